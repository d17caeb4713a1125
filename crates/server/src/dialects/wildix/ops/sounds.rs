//! `Sounds`: create from text (TTS), list by directory, delete by name.
//!
//! With `[wildix] tts_command` set (e.g. `espeak-ng -w {out} {text}`), creating a sound runs
//! it and the audio lands in `<data_dir>/wildix/sounds/<directory>/<filename>.wav`; without
//! it the record is kept with `"audio": false`. The command is split on whitespace and
//! `{out}`/`{text}` are substituted per argument, never through a shell.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::response::Response;
use gatehouse_domain::{NewSound, Pbx, Sound};
use gatehouse_schemes::php_value::PhpArray;
use serde_json::{Value, json};

use super::pbx_time;
use crate::dialects::wildix::codec::{self, Paging};
use crate::dialects::wildix::error::WildixError;

/// How long a TTS command may run.
const TTS_TIMEOUT: Duration = Duration::from_secs(30);

fn render(sound: &Sound) -> Value {
    let s = &sound.sound;
    json!({
        "id": sound.id,
        "name": s.name,
        "filename": s.name,
        "directory": s.directory,
        "text": s.text,
        "voice": s.voice,
        "audio": s.audio_file.is_some(),
        "file": s.audio_file,
        "created": pbx_time(sound.created_at),
    })
}

/// A directory or file name: letters, digits, `-`, `_`, `.`, not starting with a dot.
fn safe_name(field: &str, value: &str) -> Result<(), WildixError> {
    let ok = !value.starts_with('.')
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(WildixError::invalid(
            field,
            "may hold only letters, digits, '-', '_' and '.', and not start with '.'",
        ))
    }
}

/// Where a sound's audio lives, relative to the data directory.
fn audio_path(directory: &str, name: &str) -> PathBuf {
    PathBuf::from("wildix")
        .join("sounds")
        .join(directory)
        .join(format!("{name}.wav"))
}

/// Runs the TTS command; `Err` carries what went wrong for the log.
async fn render_audio(command: &str, out: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = out.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let out_text = out.display().to_string();
    let mut args = command
        .split_whitespace()
        .map(|arg| arg.replace("{out}", &out_text).replace("{text}", text));
    let program = args.next().ok_or("tts_command is empty")?;
    let run = tokio::process::Command::new(&program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(TTS_TIMEOUT, run)
        .await
        .map_err(|_| format!("{program} ran longer than {TTS_TIMEOUT:?}"))?
        .map_err(|e| format!("{program}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{program} exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(())
}

/// Creates (or replaces) a sound from `directory`, `filename`, `text`, `voice`.
pub async fn create_sound(
    pbx: &dyn Pbx,
    tts_command: &str,
    data_dir: &Path,
    body: &PhpArray,
) -> Result<Response, WildixError> {
    let directory = codec::required(body, "directory")?;
    safe_name("directory", &directory)?;
    let name = codec::required(body, "filename")?;
    safe_name("filename", &name)?;
    let text = codec::text(body, "text").unwrap_or_default();
    // The text becomes one argument of the TTS command: one starting with '-' would be read
    // as an option (espeak-ng's -w writes a file), so it is refused.
    if text.starts_with('-') {
        return Err(WildixError::invalid("text", "must not start with '-'"));
    }
    let voice = codec::text(body, "voice").unwrap_or_default();
    let mut audio_file = None;
    if !tts_command.trim().is_empty() && !text.is_empty() {
        let relative = audio_path(&directory, &name);
        render_audio(tts_command, &data_dir.join(&relative), &text)
            .await
            .map_err(|e| WildixError::Internal(format!("text-to-speech failed: {e}")))?;
        audio_file = Some(relative.display().to_string());
    }
    let sound = pbx
        .put_sound(NewSound {
            directory,
            name,
            text,
            voice,
            audio_file,
        })
        .await?;
    Ok(codec::result(render(&sound)))
}

/// Lists sounds, of one directory if given.
pub async fn list_sounds(pbx: &dyn Pbx, directory: Option<&str>) -> Result<Response, WildixError> {
    let sounds = pbx.sounds(directory).await?;
    let total = sounds.len() as u64;
    let rows = sounds.iter().map(render).collect();
    Ok(codec::records(
        rows,
        Paging {
            start: 0,
            count: total,
        },
        total,
    ))
}

/// Deletes the sounds called `name` (and their audio files); none is 404.
pub async fn delete_sound(
    pbx: &dyn Pbx,
    data_dir: &Path,
    name: &str,
    directory: Option<&str>,
) -> Result<Response, WildixError> {
    let name = name.strip_suffix(".wav").unwrap_or(name);
    let deleted = pbx.delete_sounds(name, directory).await?;
    if deleted.is_empty() {
        return Err(WildixError::NotFound);
    }
    for sound in &deleted {
        if let Some(file) = &sound.sound.audio_file {
            // A missing file is fine: the record was what mattered.
            let _ = tokio::fs::remove_file(data_dir.join(file)).await;
        }
    }
    Ok(codec::result(json!({"deleted": deleted.len()})))
}
