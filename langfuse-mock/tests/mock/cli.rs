//! The real `langfuse-mock` binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use langfuse_mock::{DatasetSpec, generate};

use crate::helpers::END_MS;

const BINARY: &str = env!("CARGO_BIN_EXE_langfuse-mock");

#[test]
fn ground_truth_prints_the_libraries_ground_truth_as_json() {
    let output = Command::new(BINARY)
        .args([
            "ground-truth",
            "--observations",
            "500",
            "--seed",
            "9",
            "--days",
            "10",
        ])
        .args(["--end-ms", &END_MS.to_string()])
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected = generate(&DatasetSpec {
        seed: 9,
        observations: 500,
        days: 10,
        end_ms: END_MS,
        pending_share: 0.0,
    })
    .ground_truth();
    assert_eq!(printed, serde_json::to_value(&expected).unwrap());
}

#[tokio::test]
async fn serve_prints_its_url_answers_and_stops_on_sigterm() {
    let mut child = Command::new(BINARY)
        .args([
            "serve",
            "--port",
            "0",
            "--observations",
            "300",
            "--seed",
            "4",
        ])
        .args(["--public-key", "pk-lf-cli", "--secret-key", "sk-lf-cli"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    assert!(
        !line.contains("sk-lf-cli"),
        "the secret key is printed: {line}"
    );

    let client = reqwest::Client::new();
    let observations = client
        .get(format!("{url}/api/public/v2/observations?limit=10"))
        .basic_auth("pk-lf-cli", Some("sk-lf-cli"))
        .send()
        .await
        .unwrap();
    assert_eq!(observations.status(), 200);
    let demo_keys = client
        .get(format!("{url}/api/public/v2/observations"))
        .basic_auth("pk-lf-demo", Some("sk-lf-demo"))
        .send()
        .await
        .unwrap();
    assert_eq!(demo_keys.status(), 401);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    assert!(!logs.contains("sk-lf-cli"), "the secret key is logged");
}

#[test]
fn help_does_not_show_the_default_secret_key() {
    let output = Command::new(BINARY)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--secret-key"));
    assert!(!help.contains("sk-lf-demo"), "{help}");
}

#[tokio::test]
async fn serve_flags_switch_off_the_legacy_reads_and_scores_v3() {
    let mut child = Command::new(BINARY)
        .args([
            "serve",
            "--port",
            "0",
            "--observations",
            "300",
            "--seed",
            "5",
        ])
        .args([
            "--stale-versions",
            "--legacy-reads-removed",
            "--no-scores-v3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    let client = reqwest::Client::new();
    let cases = [
        ("/api/public/traces", 404),
        ("/api/public/observations", 404),
        ("/api/public/v3/scores", 404),
        ("/api/public/v2/scores", 200),
        ("/api/public/v2/observations?limit=10", 200),
    ];
    for (path, expected) in cases {
        let status = client
            .get(format!("{url}{path}"))
            .basic_auth("pk-lf-demo", Some("sk-lf-demo"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), expected, "{path}");
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success());
}
