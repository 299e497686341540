//! Every malformed setting stops a binary at once with a clear message
//! naming the setting; never a panic, a hang or a leaked secret.

use std::collections::BTreeMap;
use std::time::Duration;

use reliability::{Process, SECRET_KEY, Workspace, binary, daemon_environment};

/// Runs `program` with `environment` and `args`; returns the exit code and
/// output (it must exit within 15 s).
fn run(
    program: &str,
    environment: &BTreeMap<String, String>,
    args: &[&str],
    workspace: &Workspace,
) -> (Option<i32>, String) {
    let mut process = Process::start(
        program,
        &binary(program),
        args,
        environment,
        workspace.path(),
    );
    let status = process.wait_for_exit(Duration::from_secs(15));
    (status.and_then(|s| s.code()), process.log_text())
}

fn assert_clear_refusal(
    program: &str,
    setting: &str,
    value: &str,
    code: Option<i32>,
    output: &str,
) {
    let case = format!("{program} with {setting}={value:?}");
    assert!(
        matches!(code, Some(c) if c != 0),
        "{case}: exits non-zero at once (got {code:?}): {output}"
    );
    let names_it = output.contains(setting)
        || output
            .to_lowercase()
            .contains(&setting.trim_start_matches("CUPID_").to_lowercase());
    assert!(names_it, "{case}: the message names {setting}: {output}");
    assert!(!output.contains("panicked"), "{case}: panicked: {output}");
    assert!(
        !output.contains(SECRET_KEY),
        "{case}: leaked the secret: {output}"
    );
    assert!(
        output.lines().count() <= 3,
        "{case}: a short message, not a dump: {output}"
    );
}

#[test]
fn every_malformed_daemon_setting_is_refused_with_a_message_naming_it() {
    let cases: &[(&str, &str)] = &[
        ("LANGFUSE_HOST", "not a url"),
        ("LANGFUSE_HOST", "ftp://langfuse.example"),
        ("LANGFUSE_PUBLIC_KEY", ""),
        ("LANGFUSE_SECRET_KEY", ""),
        ("CUPID_SYNC_INTERVAL_SECS", "often"),
        ("CUPID_SYNC_INTERVAL_SECS", "-5"),
        ("CUPID_SYNC_INTERVAL_SECS", "99999999999999999999999"),
        ("CUPID_QUOTA_PER_MINUTE", "lots"),
        ("CUPID_QUOTA_PER_MINUTE", "-1"),
        ("CUPID_LOOKBACK_SECS", "1.5h"),
        ("CUPID_PAGE_SIZE", "0"),
        ("CUPID_PAGE_SIZE", "5000"),
        ("CUPID_PAGE_SIZE", "ten"),
        ("CUPID_BACKFILL_SINCE", "last tuesday"),
        ("CUPID_BACKFILL_SINCE", "2026-13-45"),
        ("CUPID_CONTROL_PORT", "70000"),
        ("CUPID_CONTROL_PORT", "http"),
        ("CUPID_REQUEST_TIMEOUT_SECS", "0"),
        ("CUPID_REQUEST_TIMEOUT_SECS", "soon"),
        ("CUPID_LOG_FORMAT", "xml"),
        ("CUPID_AGENT_METADATA_KEY", ""),
    ];
    let workspace = Workspace::new();
    for (setting, value) in cases {
        let environment = daemon_environment(
            "http://127.0.0.1:9",
            &workspace.database(),
            &[(setting, value)],
        );
        let (code, output) = run("sync-daemon", &environment, &["--once"], &workspace);
        assert_clear_refusal("sync-daemon", setting, value, code, &output);
    }
}

#[test]
fn every_malformed_api_setting_is_refused_with_a_message_naming_it() {
    let cases: &[(&str, &str)] = &[
        ("CUPID_API_PORT", "http"),
        ("CUPID_API_PORT", "70000"),
        ("CUPID_API_PORT", "-1"),
        ("CUPID_SYNC_CONTROL_URL", "nope"),
        ("CUPID_SYNC_CONTROL_URL", "ftp://127.0.0.1:8081"),
        ("CUPID_CORS_ORIGINS", "ftp://evil.example"),
        ("CUPID_CORS_ORIGINS", "*"),
        ("CUPID_LOG_FORMAT", "xml"),
    ];
    let workspace = Workspace::new();
    for (setting, value) in cases {
        let environment: BTreeMap<String, String> = [
            (
                "CUPID_DATABASE_PATH".to_string(),
                workspace.database().display().to_string(),
            ),
            ("CUPID_API_PORT".to_string(), "0".to_string()),
            (setting.to_string(), value.to_string()),
        ]
        .into_iter()
        .collect();
        let (code, output) = run("api-server", &environment, &[], &workspace);
        assert_clear_refusal("api-server", setting, value, code, &output);
    }
}

#[test]
fn a_malformed_or_missing_config_file_is_refused_naming_the_file() {
    let workspace = Workspace::new();
    let broken = workspace.path().join("broken.toml");
    std::fs::write(&broken, "page_size = = 3\n[[[").unwrap();
    let wrong_type = workspace.path().join("wrong-type.toml");
    std::fs::write(&wrong_type, "page_size = \"huge\"\n").unwrap();
    let missing = workspace.path().join("missing.toml");
    let environment = daemon_environment("http://127.0.0.1:9", &workspace.database(), &[]);
    for file in [&broken, &missing] {
        let path = file.display().to_string();
        for program in ["sync-daemon", "api-server"] {
            let (code, output) = run(program, &environment, &["--config", &path], &workspace);
            assert!(
                matches!(code, Some(c) if c != 0),
                "{program} --config {path}: {output}"
            );
            assert!(
                output.contains(file.file_name().unwrap().to_str().unwrap()),
                "{program}: the message names the file {path}: {output}"
            );
            assert!(!output.contains("panicked"), "{output}");
        }
    }
    let path = wrong_type.display().to_string();
    let mut environment = environment;
    environment.remove("CUPID_PAGE_SIZE"); // the environment would override the file
    let (code, output) = run(
        "sync-daemon",
        &environment,
        &["--config", &path],
        &workspace,
    );
    assert_clear_refusal(
        "sync-daemon",
        "page_size",
        "\"huge\" in a file",
        code,
        &output,
    );
}

#[test]
fn an_unresolvable_api_host_is_refused_with_a_message_naming_it() {
    let workspace = Workspace::new();
    let environment: BTreeMap<String, String> = [
        (
            "CUPID_DATABASE_PATH",
            workspace.database().display().to_string(),
        ),
        ("CUPID_API_PORT", "0".to_string()),
        ("CUPID_API_HOST", "not a host!".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let (code, output) = run("api-server", &environment, &[], &workspace);
    assert_clear_refusal("api-server", "CUPID_API_HOST", "not a host!", code, &output);
}
