//! The real app under test: its own X display (Xvfb), tauri-driver with WebKitWebDriver, the
//! `aidmesh-app` binary with its own data folder and a loopback sync port, and a WebDriver client.
//! Elements are found by their `data-testid`.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use aidmesh_tests::workspace_bin;
use anyhow::{bail, ensure, Context, Result};
use fantoccini::elements::Element;
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use tempfile::TempDir;
use tokio::sync::{Mutex, MutexGuard};

/// How long an element may take to appear (a sync, a reload) before the test fails.
const WAIT: Duration = Duration::from_secs(20);

/// One app at a time: each brings its own X server and webview, and the machine has two cores.
/// (Each test has its own runtime; tokio's lock may be held across their awaits.)
pub async fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::const_new(());
    LOCK.lock().await
}

pub fn app_bin() -> PathBuf {
    static BUILD: Once = Once::new();
    workspace_bin("aidmesh-app", "aidmesh-app", &BUILD)
}

/// Screenshots go to `screenshots/` at the workspace root (not committed).
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").join("screenshots")
}

/// Three loopback ports free at once (held together while they are picked, so they differ).
fn free_ports() -> Result<(u16, u16, u16)> {
    let held = [TcpListener::bind("127.0.0.1:0")?, TcpListener::bind("127.0.0.1:0")?, TcpListener::bind("127.0.0.1:0")?];
    let [a, b, c] = held.map(|l| l.local_addr().map(|a| a.port()));
    Ok((a?, b?, c?))
}

/// A child started in its own process group, so that everything it starts ends with it.
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        // Its own group, so the id is the group's id; never 0 or 1, which would mean far more.
        if let Ok(group) = i32::try_from(self.0.id()) {
            if group > 1 {
                // SAFETY: kill(2) with a negative id signals one process group; it touches no memory.
                unsafe { libc::kill(-group, libc::SIGKILL) };
            }
        }
        let _ = self.0.wait();
    }
}

pub struct App {
    pub client: Client,
    /// Where the app accepts syncs: give it to `aidmesh sync`.
    pub address: String,
    data_dir: TempDir,
    display: String,
    _driver: Group,
    _display: Group,
}

impl App {
    pub async fn launch() -> Result<App> {
        App::launch_in(tempfile::tempdir()?, "off").await
    }

    /// Starts the app on a data folder prepared beforehand, with discovery `off`, or `loopback`
    /// (only inside a private network namespace: see `inside_private_network`). The environment
    /// gives it the test passphrase.
    pub async fn launch_in(data_dir: TempDir, discovery: &str) -> Result<App> {
        App::launch_with(data_dir, discovery, Some(aidmesh_tests::TEST_PASSPHRASE)).await
    }

    /// Starts the app with `AIDMESH_PASSPHRASE` set to `passphrase`, or unset: then the person
    /// types it.
    pub async fn launch_with(data_dir: TempDir, discovery: &str, passphrase: Option<&str>) -> Result<App> {
        let (display_process, display) = start_xvfb()?;
        let (port, native_port, sync_port) = free_ports()?;
        let address = format!("127.0.0.1:{sync_port}");
        let mut driver = Command::new("tauri-driver");
        match passphrase {
            Some(passphrase) => driver.env("AIDMESH_PASSPHRASE", passphrase),
            None => driver.env_remove("AIDMESH_PASSPHRASE"),
        };
        let driver = driver
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("DISPLAY", &display)
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("AIDMESH_DATA_DIR", data_dir.path())
            // No OS keyring: the passphrase comes from the environment, or is typed.
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/aidmesh-test-bus")
            .env("AIDMESH_LISTEN", &address)
            .env("AIDMESH_DISCOVERY", discovery)
            // The webview keeps its storage (the chosen language) under XDG folders: one per app.
            .env("XDG_DATA_HOME", data_dir.path().join("xdg-data"))
            .env("XDG_CONFIG_HOME", data_dir.path().join("xdg-config"))
            .env("XDG_CACHE_HOME", data_dir.path().join("xdg-cache"))
            .env("LANG", "en_US.UTF-8")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("tauri-driver is missing: `cargo install tauri-driver --version ^2 --locked` (test.sh does this)")?;
        let driver = Group(driver);
        wait_for_port(port)?;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("tauri:options".into(), serde_json::json!({ "application": app_bin() }));
        let client = ClientBuilder::native()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("could not start the app through tauri-driver")?;
        client.set_window_size(390, 844).await?;
        let app = App { client, address, data_dir, display: display.clone(), _driver: driver, _display: display_process };
        app.wait("nav-needs, [data-testid=create-group-name], [data-testid=unlock-submit], [role=alert]").await?;
        Ok(app)
    }

    /// The app's database, for tests that must reach below it (to inject a failure).
    pub fn database(&self) -> std::path::PathBuf {
        self.data_dir.path().join("aidmesh.db")
    }

    /// Closes the WebDriver session (and the app); the processes end when `self` drops.
    pub async fn close(self) -> Result<()> {
        self.client.clone().close().await?;
        Ok(())
    }

    /// Closes the app and hands back its data folder, to start it again on the same data.
    pub async fn close_keeping_data(self) -> Result<TempDir> {
        self.client.clone().close().await?;
        Ok(self.data_dir)
    }

    /// Waits for the first element matching `testid` (or a CSS list starting with one).
    pub async fn wait(&self, testid: &str) -> Result<Element> {
        let css = css(testid);
        match self.client.wait().at_most(WAIT).for_element(Locator::Css(&css)).await {
            Ok(element) => Ok(element),
            Err(e) => {
                // What the screen showed instead is the first thing to look at.
                let _ = self.screenshot("failures", testid).await;
                Err(e).with_context(|| format!("no element {css} appeared (screenshots/failures/{testid}.png shows the screen)"))
            }
        }
    }

    pub async fn click(&self, testid: &str) -> Result<()> {
        let element = self.wait(testid).await?;
        self.press(&element).await.with_context(|| format!("cannot click {testid}"))
    }

    /// Clicks `testid` inside the first `item` whose text contains `text`, once it is there (a
    /// list reloading after the last action may not show it yet).
    pub async fn click_in(&self, item: &str, text: &str, testid: &str) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            let found = self.item_with_text(item, text).await?.find(Locator::Css(&css(testid))).await;
            match found {
                Ok(element) => return self.press(&element).await.with_context(|| format!("cannot click {testid} in the {item} '{text}'")),
                Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
                Err(e) => return Err(e).with_context(|| format!("no {testid} in the {item} '{text}'")),
            }
        }
    }

    /// Scrolls the element to the middle of the screen first, as a thumb would: at the edges the
    /// fixed header and tab bar cover it.
    pub async fn scroll_to(&self, element: &Element) -> Result<()> {
        let arg = serde_json::to_value(element)?;
        within("a scroll", self.client.execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg])).await??;
        Ok(())
    }

    /// A toast may still cover it for a few seconds, as it would a thumb: then try again.
    async fn press(&self, element: &Element) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            self.scroll_to(element).await?;
            match within("a click", element.click()).await? {
                Ok(()) => return Ok(()),
                Err(CmdError::Standard(e)) if e.error == ErrorStatus::ElementClickIntercepted && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Err(e) => bail!("{e:?}"),
            }
        }
    }

    pub async fn item_with_text(&self, item: &str, text: &str) -> Result<Element> {
        let deadline = Instant::now() + WAIT;
        loop {
            for element in self.client.find_all(Locator::Css(&css(item))).await? {
                if element.text().await.unwrap_or_default().contains(text) {
                    return Ok(element);
                }
            }
            if Instant::now() > deadline {
                let _ = self.screenshot("failures", item).await;
                bail!("no {item} shows '{text}' (screenshots/failures/{item}.png shows the screen)");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until no `item` shows `text` any more (a list reloaded after an action).
    pub async fn wait_gone(&self, item: &str, text: &str) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            let mut shown = false;
            for element in self.client.find_all(Locator::Css(&css(item))).await? {
                shown |= element.text().await.unwrap_or_default().contains(text);
            }
            if !shown {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("a {item} still shows '{text}'");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Empties the field as a person would (the page hears it) and types `text`.
    pub async fn fill(&self, testid: &str, text: &str) -> Result<()> {
        let element = self.wait(testid).await?;
        let arg = serde_json::to_value(&element)?;
        self.client.execute("arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input', { bubbles: true }))", vec![arg]).await?;
        element.send_keys(text).await?;
        let typed = element.prop("value").await?.unwrap_or_default();
        ensure!(typed == text, "typed '{text}' into {testid}, but it holds '{typed}'");
        // Move on from the field, so that its check runs (and moves the page) before the next click.
        self.client.execute("arguments[0].blur()", vec![serde_json::to_value(&element)?]).await?;
        Ok(())
    }

    /// Chooses a file in a file input, as the system's file picker would.
    pub async fn upload(&self, testid: &str, file: &Path) -> Result<()> {
        let element = self.client.find(Locator::Css(&css(testid))).await.with_context(|| format!("no file input {testid}"))?;
        element.send_keys(&file.display().to_string()).await?;
        Ok(())
    }

    /// Sets a date input (`2030-12-01`) as its picker would: WebDriver cannot type into one.
    pub async fn set_date(&self, testid: &str, date: &str) -> Result<()> {
        let element = serde_json::to_value(self.wait(testid).await?)?;
        let script = "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', { bubbles: true }))";
        self.client.execute(script, vec![element, date.into()]).await?;
        Ok(())
    }

    /// Moves the page's clock `days` on, as if the phone were picked up that much later: the
    /// screens read the shifted time (the backend keeps the real one).
    pub async fn move_clock_on(&self, days: u32) -> Result<()> {
        let script = "const shift = arguments[0] * 86400000; const Real = Date; \
            window.Date = class extends Real { constructor(...at) { super(...(at.length ? at : [Real.now() + shift])); } static now() { return Real.now() + shift; } };";
        self.client.execute(script, vec![days.into()]).await?;
        Ok(())
    }

    pub async fn choose(&self, testid: &str, value: &str) -> Result<()> {
        self.wait(testid).await?.select_by_value(value).await.with_context(|| format!("cannot choose {value} in {testid}"))?;
        Ok(())
    }

    pub async fn value(&self, testid: &str) -> Result<String> {
        Ok(self.wait(testid).await?.prop("value").await?.unwrap_or_default())
    }

    pub async fn text(&self, testid: &str) -> Result<String> {
        Ok(self.wait(testid).await?.text().await?)
    }

    /// Waits until the element's text contains `wanted`.
    pub async fn wait_text(&self, testid: &str, wanted: &str) -> Result<String> {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.client.find(Locator::Css(&css(testid))).await.ok();
            let text = match text {
                Some(element) => element.text().await.unwrap_or_default(),
                None => String::new(),
            };
            if text.contains(wanted) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                let _ = self.screenshot("failures", testid).await;
                bail!("{testid} never showed '{wanted}' (it shows '{text}'; screenshots/failures/{testid}.png shows the screen)");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Closes every toast, as a person would before looking at what they cover.
    pub async fn dismiss_toasts(&self) -> Result<()> {
        while self.count("toast-close").await? > 0 {
            self.click("toast-close").await?;
        }
        Ok(())
    }

    pub async fn count(&self, testid: &str) -> Result<usize> {
        Ok(self.client.find_all(Locator::Css(&css(testid))).await?.len())
    }

    /// Saves the window as `screenshots/<lang>/<name>.png`. The picture is taken from the X
    /// server (the window sits at its top left corner): WebKitWebDriver's own screenshot now and
    /// then never returns.
    pub async fn screenshot(&self, lang: &str, name: &str) -> Result<()> {
        // Let transitions and reloads settle so the picture shows the screen, not a blink.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let dir = screenshot_dir().join(lang);
        std::fs::create_dir_all(&dir)?;
        let file = dir.join(format!("{name}.png"));
        let status = Command::new("import")
            .args(["-display", &self.display, "-window", "root", "-crop", "390x844+0+0", "+repage"])
            .arg(&file)
            .status()
            .context("ImageMagick's import is missing (apt-get install imagemagick; test.sh does this)")?;
        ensure!(status.success(), "taking a screenshot failed");
        Ok(())
    }
}

/// Set in the copy of a test that runs inside its own network namespace.
const INSIDE_PRIVATE_NETWORK: &str = "AIDMESH_E2E_PRIVATE_NETWORK";

/// Whether this is the copy of `test` inside a private network namespace. If not, runs that copy
/// (this test binary, this one test) under `unshare --net`, where loopback is the only
/// interface, so that mDNS never reaches a real network; fails if it fails.
pub fn inside_private_network(test: &str) -> Result<bool> {
    if std::env::var_os(INSIDE_PRIVATE_NETWORK).is_some() {
        return Ok(true);
    }
    let script = "ip link set lo up && ip link set lo multicast on && exec \"$0\" --exact \"$1\" --nocapture";
    let out = Command::new("unshare")
        .args(["--net", "--map-root-user", "sh", "-c", script])
        .arg(std::env::current_exe()?)
        .arg(test)
        .env(INSIDE_PRIVATE_NETWORK, "1")
        .output()
        .context("unshare (util-linux) and ip (iproute2) are needed for this test")?;
    let text = String::from_utf8_lossy(&out.stdout);
    ensure!(out.status.success() && text.contains("1 passed"), "{test} failed inside its private network:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    Ok(false)
}

/// A WebDriver call has no deadline of its own; a hung one must fail the test, not stall it.
async fn within<T, E: std::fmt::Debug>(what: &str, call: impl std::future::Future<Output = Result<T, E>>) -> Result<Result<T, E>> {
    tokio::time::timeout(WAIT, call).await.with_context(|| format!("{what} did not finish within {WAIT:?}"))
}

/// `need-item` → `[data-testid="need-item"]`; anything already CSS after a comma is kept.
fn css(testid: &str) -> String {
    let (first, rest) = testid.split_once(", ").map_or((testid, None), |(a, b)| (a, Some(b)));
    let first = if first.starts_with('[') || first.contains(' ') { first.to_string() } else { format!("[data-testid=\"{first}\"]") };
    match rest {
        Some(rest) => format!("{first}, {rest}"),
        None => first,
    }
}

/// An X server on a display number it picks itself (`-displayfd`), so runs never collide.
fn start_xvfb() -> Result<(Group, String)> {
    use std::io::Read;
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .context("Xvfb is missing (apt-get install xvfb; test.sh does this)")?;
    let mut stdout = child.stdout.take().context("Xvfb stdout")?;
    let child = Group(child);
    let mut number = String::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte)? == 1 && byte[0] != b'\n' {
        number.push(byte[0] as char);
    }
    if number.trim().is_empty() {
        bail!("Xvfb did not say which display it took");
    }
    Ok((child, format!(":{}", number.trim())))
}

fn wait_for_port(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("tauri-driver did not start listening on {port}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
