//! The binary's exit codes and messages.

use std::process::Command;

fn mmm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mmm"))
}

#[test]
fn usage_error_exits_2() {
    let out = mmm().arg("no-such-command").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognized subcommand"));
}

#[test]
fn help_lists_every_command_and_exits_0() {
    let out = mmm().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in [
        "demo", "check", "fit", "report", "optimize", "simulate", "validate", "sbc", "backtest",
    ] {
        assert!(text.contains(cmd), "help lacks {cmd}: {text}");
    }
}
