//! `get` and `get -r`: a file, or a folder's tree walked by the driver, into local
//! files that are never replaced without being told.

use crate::{Common, Failure, ask, connect, local, progress, safe, target, tree, wall_clock};
use ftpbridge_client::{AnyTransport, Client, ClientError};
use ftpbridge_engine::RemotePath;
use ftpbridge_engine::listing::Kind;
use std::path::PathBuf;

/// Downloads `path` into `output` (`-`: standard output), from the local file's size
/// on with `resume`. A failure says what was kept.
pub async fn get(
    client: &mut Client<AnyTransport>,
    path: RemotePath,
    name: &str,
    output: PathBuf,
    resume: bool,
) -> Result<(), Failure> {
    if output.as_os_str() == "-" {
        let mut stdout = tokio::io::stdout();
        client.download(path, 0, &mut stdout, None).await?;
        return Ok(());
    }
    let offset = if resume {
        match tokio::fs::metadata(&output).await {
            Ok(meta) => meta.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(Failure::local(e, &output)),
        }
    } else {
        0
    };
    let mut file = local::Download::new(output.clone(), resume);
    let mut bar = progress::Bar::new(&safe::escaped(name));
    let mut report = |done: u64, total: Option<u64>| bar.update(done, total);
    let result = client.download(path, offset, &mut file, Some(&mut report)).await;
    bar.finish();
    let result = match result {
        Ok(_) => file.finish().map_err(ClientError::Local),
        Err(error) => Err(error),
    };
    let Err(error) = result else { return Ok(()) };
    let valid = match &error {
        ClientError::Ftp(error) => error.valid_length(),
        ClientError::Local(_) => None,
    };
    let mut failure = Failure::from(error);
    if let Some(valid) = valid {
        // Past the restart offset the bytes are not the file's: cut them off.
        file.cut(valid).map_err(|e| Failure::local(e, &output))?;
        failure.message.push_str(&format!(
            " (the first {valid} bytes of {} are kept; get --force downloads the file again from its start)",
            output.display()
        ));
    } else if file.created() && matches!(failure.code, 3 | 8 | 11 | 12) {
        failure
            .message
            .push_str(&format!(" (the partial file {} is kept; --resume continues it)", output.display()));
    }
    Err(failure)
}

/// `get -r`: the folder's tree, walked by the driver, into a local folder. Names come
/// from the server: one that could leave the folder (`..`, a slash) is skipped, never
/// written; files here already are replaced only with --force or a yes on the terminal
/// (--resume continues them). Folders the server would not list are said before
/// anything is downloaded: without a yes (or --force), nothing is.
pub async fn get_tree(
    common: &Common,
    url: &str,
    output: Option<PathBuf>,
    resume: bool,
    force: bool,
) -> Result<(), Failure> {
    let target = target::parse(url).map_err(Failure::usage)?;
    let path = target.path.clone().unwrap_or_default();
    let path = path.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    let name = path.rsplit('/').find(|part| !part.is_empty()).unwrap_or(&target.host).to_string();
    let output = output.unwrap_or_else(|| PathBuf::from(&name));
    if output.as_os_str() == "-" {
        return Err(Failure::usage("get -r writes a folder: name it with -o DIR"));
    }
    let encoding = common.encoding()?;
    let bytes = common.path_bytes(path)?;
    let mut client = connect(common, &target).await?;
    let walked = {
        let mut session = tree::Session { client: &mut client, now: wall_clock() };
        ftpbridge_client::tree::walk(&mut session, &bytes).await
    };
    let walk = match walked {
        Ok(walk) => walk,
        Err(error) => {
            client.quit().await;
            return Err(Failure::from(error));
        }
    };
    // Where each one goes here; names that could leave the folder are not used.
    let mut plan = Vec::new();
    let mut unsafe_names = 0;
    for found in walk.found {
        let mut local = output.clone();
        let mut fine = true;
        for part in &found.rel {
            let text = encoding.decode(part);
            if !local::safe_component(&text) {
                fine = false;
                break;
            }
            local.push(text.as_ref());
        }
        if fine {
            plan.push((found, local));
        } else {
            unsafe_names += 1;
            eprintln!(
                "skipped {}: not a name this computer can use safely",
                safe::escaped(&String::from_utf8_lossy(&found.path))
            );
        }
    }
    let unlisted: Vec<String> =
        walk.unlisted.iter().map(|(path, _)| safe::escaped(&encoding.decode(path)).into_owned()).collect();
    if !force && let Err(failure) = ask::check_unlisted(&unlisted, "what is in them cannot be downloaded") {
        client.quit().await;
        return Err(failure);
    }
    if !force && !resume {
        let existing: Vec<String> = plan
            .iter()
            .filter(|(found, local)| found.entry.kind != Kind::Dir && local.is_file())
            .map(|(_, local)| local.display().to_string())
            .collect();
        if let Err(failure) = ask::check_replace_many(&existing) {
            client.quit().await;
            return Err(failure);
        }
    }
    let mut result = std::fs::create_dir_all(&output).map_err(|e| Failure::local(e, &output));
    for (found, local) in &plan {
        if result.is_err() {
            break;
        }
        result = if found.entry.kind == Kind::Dir {
            std::fs::create_dir_all(local).map_err(|e| Failure::local(e, local))
        } else {
            let name = local.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            get(&mut client, RemotePath::Bytes(found.path.clone()), &name, local.clone(), resume).await
        };
    }
    client.quit().await;
    if walk.skipped > 0 {
        eprintln!("{} links or special files not followed", walk.skipped);
    }
    for (folder, error) in &walk.unlisted {
        let (folder, error) = (encoding.decode(folder), error.to_string());
        let (folder, error) = (safe::escaped(&folder), safe::escaped(&error));
        eprintln!("not downloaded: {folder} (the server would not list it: {error})");
    }
    result?;
    if unsafe_names > 0 {
        return Err(Failure::usage(format!(
            "{unsafe_names} names from the server were not safe to write, and were skipped"
        )));
    }
    Ok(())
}
