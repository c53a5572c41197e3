//! `singletable doc --html` in a real browser: headless Chromium loads the page from a
//! file (no network), a measuring script appended to a copy of the page reads the SVG's
//! boxes after layout, and the test checks the diagrams were drawn: one non-empty box per
//! entity and column of the table layout, every label inside its box, and the relation
//! diagram's boxes and arcs.
//!
//! Chromium: `scripts/install-chromium.sh`. Without it the test fails when `CI=true` and
//! is skipped (with the reason printed) otherwise.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Appended before `</body>` of a copy of the page: measures every entity box and the
/// labels in it, and writes the result into the DOM for `--dump-dom`.
const MEASURE: &str = r#"<script>
(function () {
  var groups = document.querySelectorAll('svg.layout g.entity');
  var lines = [];
  var ok = groups.length > 0;
  var overflow = 0;
  groups.forEach(function (g) {
    var rect = g.querySelector('rect.entity-box');
    var box = rect.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0)) { ok = false; }
    g.querySelectorAll('text').forEach(function (t) {
      var tb = t.getBoundingClientRect();
      if (!(tb.width > 0)) { ok = false; }
      if (tb.left < box.left - 1 || tb.right > box.right + 1 || tb.top < box.top - 1 || tb.bottom > box.bottom + 1) { overflow += 1; }
    });
    lines.push(g.getAttribute('data-column') + '/' + g.getAttribute('data-entity') + ' ' + Math.round(box.width) + 'x' + Math.round(box.height));
  });
  var nodes = document.querySelectorAll('svg.er g.er-node rect');
  var drawnNodes = 0;
  nodes.forEach(function (r) { var b = r.getBoundingClientRect(); if (b.width > 0 && b.height > 0) { drawnNodes += 1; } });
  var arcs = document.querySelectorAll('svg.er g.relation path');
  var drawnArcs = 0;
  arcs.forEach(function (p) { if (p.getTotalLength() > 0 && p.getBoundingClientRect().height > 0) { drawnArcs += 1; } });
  var svg = document.querySelector('svg.layout').getBoundingClientRect();
  var out = document.createElement('pre');
  out.id = 'measure';
  out.setAttribute('data-rendered', ok ? 'ok' : 'bad');
  out.setAttribute('data-boxes', String(groups.length));
  out.setAttribute('data-overflow', String(overflow));
  out.setAttribute('data-er-nodes', String(drawnNodes));
  out.setAttribute('data-er-arcs', String(drawnArcs));
  out.setAttribute('data-svg', Math.round(svg.width) + 'x' + Math.round(svg.height));
  out.textContent = lines.join('\n');
  document.body.appendChild(out);
})();
</script>
"#;

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"].into_iter().find_map(|name| {
        let found = Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        found.then(|| name.to_owned())
    })
}

/// Runs Chromium headless on `page` and returns the DOM after scripts ran.
fn dump_dom(browser: &str, page: &Path, profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1600,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        match child.try_wait().expect("wait for chromium") {
            Some(_) => break,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                panic!("chromium did not finish within 90 s");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let output = child.wait_with_output().expect("chromium output");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn attribute<'a>(dom: &'a str, name: &str) -> Option<&'a str> {
    let start = dom.find(&format!("{name}=\""))? + name.len() + 2;
    let end = dom[start..].find('"')? + start;
    Some(&dom[start..end])
}

#[test]
fn the_html_page_draws_the_layout_diagram() {
    let Some(browser) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromium is missing on CI: run scripts/install-chromium.sh");
        }
        eprintln!("skipped: chromium is not installed (scripts/install-chromium.sh installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("model.html");
    let output = Command::new(env!("CARGO_BIN_EXE_singletable"))
        .args(["doc", "tests/fixtures/shop.toml", "--html"])
        .arg(&html)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains("<script"), "the page itself runs no script");
    assert!(!page.contains("https://"), "no network resources");

    let measured = dir.path().join("measured.html");
    std::fs::write(&measured, page.replace("</body>", &format!("{MEASURE}</body>"))).unwrap();
    let dom = dump_dom(&browser, &measured, &dir.path().join("profile"));
    let Some(at) = dom.find("<pre id=\"measure\"") else {
        panic!("the measuring script did not run; DOM:\n{dom}");
    };
    let result = &dom[at..];
    assert_eq!(attribute(result, "data-rendered"), Some("ok"), "{result}");
    // Customer: table + GSI1; Order: table + GSI1 + ByDate.
    assert_eq!(attribute(result, "data-boxes"), Some("5"), "{result}");
    assert_eq!(attribute(result, "data-overflow"), Some("0"), "labels fit their boxes: {result}");
    for entity in
        ["Shop/Customer ", "Shop/Order ", "GSI1/Customer ", "GSI1/Order ", "ByDate/Order "]
    {
        assert_eq!(result.matches(entity).count(), 1, "one box for {entity:?}: {result}");
    }
    // Relations: Customer, Order and the CustomerOrders collection; three arcs.
    assert_eq!(attribute(result, "data-er-nodes"), Some("3"), "{result}");
    assert_eq!(attribute(result, "data-er-arcs"), Some("3"), "{result}");
    let svg = attribute(result, "data-svg").unwrap_or("0x0");
    let (width, height) = svg.split_once('x').unwrap_or(("0", "0"));
    assert!(
        width.parse::<u32>().unwrap_or(0) > 300 && height.parse::<u32>().unwrap_or(0) > 100,
        "{svg}"
    );
}
