//! Questions on the terminal before anything is replaced: a yes there, or a flag,
//! and never a yes when there is no terminal to ask on.

use crate::Failure;
use std::io::IsTerminal;
use std::path::Path;

/// A yes to `question` on the terminal; no when there is no terminal to ask on.
pub fn asked_yes(question: &str) -> std::io::Result<bool> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Ok(false);
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// Refuses to replace an existing, non-empty local file unless the user says so on the
/// terminal.
pub fn check_replace(output: &Path) -> Result<(), Failure> {
    let existing = match std::fs::metadata(output) {
        Ok(meta) if meta.is_file() && meta.len() > 0 => meta.len(),
        _ => return Ok(()),
    };
    let question = format!("{} exists ({existing} bytes); replace it?", output.display());
    match asked_yes(&question).map_err(|e| Failure::local(e, output))? {
        true => Ok(()),
        false => Err(Failure::usage(format!(
            "{} exists ({existing} bytes): --force replaces it, --resume continues it",
            output.display()
        ))),
    }
}

/// The question of a tree's transfer: the files named (shown escaped) exist where it
/// would write, and are replaced only with a yes.
pub fn check_replace_many(existing: &[String]) -> Result<(), Failure> {
    let Some(first) = existing.first() else { return Ok(()) };
    let what = if existing.len() == 1 {
        format!("{first} exists")
    } else {
        format!("{first} and {} more files exist", existing.len() - 1)
    };
    let question = format!("{what}; replace {}?", if existing.len() == 1 { "it" } else { "them" });
    let yes = asked_yes(&question).map_err(|e| Failure { code: 9, message: e.to_string() })?;
    match yes {
        true => Ok(()),
        false => Err(Failure::usage(format!("{what}: --force replaces them, --resume continues them"))),
    }
}

/// The question of folders the server would not list (`what` says which, and what
/// that means for the transfer): without a yes, nothing is transferred (exit code 6).
pub fn check_unlisted(folders: &[String], consequence: &str) -> Result<(), Failure> {
    let Some(first) = folders.first() else { return Ok(()) };
    let what = match folders.len() {
        1 => format!("the server would not list {first}"),
        n => format!("the server would not list {first} and {} more folders", n - 1),
    };
    let question = format!("{what}: {consequence}. Go on?");
    let yes = asked_yes(&question).map_err(|e| Failure { code: 9, message: e.to_string() })?;
    match yes {
        true => Ok(()),
        false => Err(Failure { code: 6, message: format!("{what}: {consequence} (--force goes on)") }),
    }
}
