//! How the web view paints: Skia on the CPU rather than on the GPU.
//!
//! Convene's window is text, lists and a few borders; nothing in it needs GPU rasterisation. With
//! Skia on the GPU, WebKitGTK's web process keeps GPU paint buffers and compiles shaders as it
//! starts (on machines without a GPU, such as CI under Xvfb, through Mesa's software rasteriser):
//! measured with `cargo xtask bench`, CPU painting holds about 45 MB less resident memory for the
//! same start time. Compositing stays on: turning it off as well saves about 60 MB more, but then
//! WebKit's WebDriver screenshots (which the end-to-end tests take) never complete.
//!
//! The choice is WebKit's own environment switch, set before GTK or WebKit start and only where the
//! user has not set it; `CONVENE_GPU_PAINTING=1` keeps WebKit's default.

/// WebKitGTK's switch for painting with Skia on the CPU.
const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Opt-out: keep WebKit's default (GPU) painting.
const OPT_OUT: &str = "CONVENE_GPU_PAINTING";

/// Chooses CPU painting for the web view. Call first in `main`, while the process has one thread
/// (changing the environment is only sound then).
pub fn prefer_cpu_painting() {
    let opted_out = std::env::var_os(OPT_OUT).is_some_and(|v| v == "1");
    if !opted_out && std::env::var_os(CPU_PAINTING).is_none() {
        std::env::set_var(CPU_PAINTING, "1");
    }
}
