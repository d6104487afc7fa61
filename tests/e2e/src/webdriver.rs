//! A small W3C WebDriver client over reqwest: just the commands these tests use.
//! (Written here rather than pulled in, to keep the test build light and the protocol visible.)

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use serde_json::{json, Value};

/// The W3C key of an element reference in WebDriver JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One WebDriver session.
pub struct WebDriver {
    http: reqwest::Client,
    session_url: String,
}

/// A reference to an element of the page.
#[derive(Clone, Debug)]
pub struct Element(String);

impl WebDriver {
    /// Opens a session on the driver at `driver_url` that launches `application`.
    pub async fn start(driver_url: &str, application: &str) -> Result<Self> {
        Self::start_with_args(driver_url, application, &[]).await
    }

    /// Like [`WebDriver::start`], with command-line arguments for the application (a
    /// `convene://` link, as the OS passes one to a newly started app).
    pub async fn start_with_args(
        driver_url: &str,
        application: &str,
        args: &[String],
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "wry",
                    "tauri:options": { "application": application, "args": args }
                }
            }
        });
        let answer = send(http.post(format!("{driver_url}/session")).json(&caps)).await?;
        let id = answer["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no sessionId in {answer}"))?;
        Ok(Self {
            session_url: format!("{driver_url}/session/{id}"),
            http,
        })
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        send(
            self.http
                .post(format!("{}{path}", self.session_url))
                .json(&body),
        )
        .await
    }

    async fn get(&self, path: &str) -> Result<Value> {
        send(self.http.get(format!("{}{path}", self.session_url))).await
    }

    /// All elements matching a CSS selector, right now.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        self.find_by("css selector", css).await
    }

    /// All elements matching an XPath (to find controls by their visible text).
    pub async fn find_all_xpath(&self, xpath: &str) -> Result<Vec<Element>> {
        self.find_by("xpath", xpath).await
    }

    /// Waits for the first element matching an XPath.
    pub async fn wait_for_xpath(&self, xpath: &str, timeout: Duration) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(first) = self.find_all_xpath(xpath).await?.into_iter().next() {
                return Ok(first);
            }
            if Instant::now() > deadline {
                bail!("no element matched {xpath:?} within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the first enabled button whose visible text is `text` (waiting for it).
    pub async fn click_button(&self, text: &str, timeout: Duration) -> Result<()> {
        self.click_xpath(
            &format!("//button[normalize-space()='{text}' and not(@disabled)]"),
            timeout,
        )
        .await
    }

    /// Finds and clicks the first element matching `xpath`, finding it again if the page
    /// re-rendered it in between (a stale element).
    pub async fn click_xpath(&self, xpath: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let el = self.wait_for_xpath(xpath, timeout).await?;
            match self.click(&el).await {
                Ok(()) => return Ok(()),
                Err(e) if e.to_string().contains("stale element") && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Like [`WebDriver::click_xpath`], with a CSS selector.
    pub async fn click_css(&self, css: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let el = self.wait_for(css, timeout).await?;
            match self.click(&el).await {
                Ok(()) => return Ok(()),
                Err(e) if e.to_string().contains("stale element") && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn find_by(&self, using: &str, value: &str) -> Result<Vec<Element>> {
        // WebKitWebDriver answers "stale element" when a matching node is replaced while it
        // builds the answer (the page re-rendered under it): ask again, as `click` does.
        let mut attempts = 0;
        let found = loop {
            match self
                .post("/elements", json!({"using": using, "value": value}))
                .await
            {
                Err(e) if e.to_string().contains("stale element") && attempts < 20 => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                other => break other?,
            }
        };
        Ok(found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT_KEY].as_str().map(|id| Element(id.to_owned())))
            .collect())
    }

    /// Waits until at least one element matches `css`, and returns the first.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(first) = self.find_all(css).await?.into_iter().next() {
                return Ok(first);
            }
            if Instant::now() > deadline {
                bail!("no element matched {css:?} within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the text of the first element matching `css` satisfies `check`, and returns it.
    pub async fn wait_for_text(
        &self,
        css: &str,
        timeout: Duration,
        check: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + timeout;
        let mut last = String::new();
        loop {
            if let Some(el) = self.find_all(css).await?.into_iter().next() {
                last = self.text(&el).await.unwrap_or_default();
                if check(&last) {
                    return Ok(last);
                }
            }
            if Instant::now() > deadline {
                bail!("text of {css:?} never matched within {timeout:?}; last seen: {last:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The rendered text of an element.
    pub async fn text(&self, el: &Element) -> Result<String> {
        let v = self.get(&format!("/element/{}/text", el.0)).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// An element's DOM property (e.g. `value`).
    pub async fn property(&self, el: &Element, name: &str) -> Result<Value> {
        self.get(&format!("/element/{}/property/{name}", el.0))
            .await
    }

    /// Clicks an element.
    pub async fn click(&self, el: &Element) -> Result<()> {
        self.post(&format!("/element/{}/click", el.0), json!({}))
            .await
            .map(|_| ())
    }

    /// Clears an input and types `text` into it.
    pub async fn fill(&self, el: &Element, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/clear", el.0), json!({}))
            .await?;
        self.post(&format!("/element/{}/value", el.0), json!({"text": text}))
            .await
            .map(|_| ())
    }

    /// Sends keys to an element (WebDriver key codes, e.g. `"\u{E00C}"` for Escape) without
    /// clearing it first.
    pub async fn press(&self, el: &Element, keys: &str) -> Result<()> {
        self.post(&format!("/element/{}/value", el.0), json!({"text": keys}))
            .await
            .map(|_| ())
    }

    /// Resizes the window.
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.post("/window/rect", json!({"width": width, "height": height}))
            .await
            .map(|_| ())
    }

    /// Runs a script in the page and returns its result.
    pub async fn execute(&self, script: &str) -> Result<Value> {
        self.post("/execute/sync", json!({"script": script, "args": []}))
            .await
    }

    /// Runs an async script (the last argument is the callback) and returns what it passes back.
    pub async fn execute_async(&self, script: &str) -> Result<Value> {
        self.post("/execute/async", json!({"script": script, "args": []}))
            .await
    }

    /// An element's attribute.
    pub async fn attribute(&self, el: &Element, name: &str) -> Result<Option<String>> {
        let v = self
            .get(&format!("/element/{}/attribute/{name}", el.0))
            .await?;
        Ok(v.as_str().map(str::to_owned))
    }

    /// Waits until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        while !self.find_all(css).await?.is_empty() {
            if Instant::now() > deadline {
                bail!("{css:?} still present after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Saves a PNG screenshot of the window to `path`.
    pub async fn screenshot(&self, path: &std::path::Path) -> Result<()> {
        let v = self.get("/screenshot").await?;
        let data = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .context("screenshot is not base64")?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, data).with_context(|| format!("writing {}", path.display()))
    }

    /// Ends the session, which closes the app.
    pub async fn quit(self) -> Result<()> {
        send(self.http.delete(&self.session_url)).await.map(|_| ())
    }
}

async fn send(req: reqwest::RequestBuilder) -> Result<Value> {
    let response = req.send().await.context("WebDriver request failed")?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .context("WebDriver answered non-JSON")?;
    if !status.is_success() {
        bail!("WebDriver error {status}: {}", body["value"]);
    }
    Ok(body["value"].clone())
}
