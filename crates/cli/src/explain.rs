//! `gatehouse explain`: the canonical string and the expected value of each dialect's
//! signature, and where a client's value first differs.
//!
//! Given the secret, it shows everything (D16): it runs on the integrator's machine, not on
//! the server. The math is `gatehouse-schemes`'s, the same the server verifies with.

use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};
use gatehouse_schemes::chamilo::KeyMode;
use gatehouse_schemes::explain::{self, Report, WildixInput};
use gatehouse_schemes::forma_sso::SsoTimezone;

/// Options of `gatehouse explain`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ExplainArgs {
    /// Print the report as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// The scheme to explain.
    #[command(subcommand)]
    pub scheme: Scheme,
}

const EXAMPLES: &str = "Exit status: 0 when the client's value matches (or none was given), 1 when it does not.

Examples:
  gatehouse explain chamilo --ip 203.0.113.10 --security-key 0123456789abcdef0123456789abcdef
  gatehouse explain corebos --token 5a7b3c9d1e2f4 --access-key Kq3mZ8vB2xL9pT4w --sent 0f1e...
  gatehouse explain forma --key K --secret S --body 'userid=alice&email=a%40x.test' --header 'FormaLMS SzpkZWFk...'
  gatehouse explain forma-sso --user gverdi --time 1511165622 --sso-secret S --token 9c...
  gatehouse explain wildix --method GET --url 'https://pbx.example.com/api/v1/PBX/settings/CallQueues/' \\
      --app-id s2s-crm-1a2b --app-name crm --secret S --token eyJ...";

/// The schemes `explain` knows.
#[derive(Debug, Subcommand)]
pub enum Scheme {
    /// Chamilo SOAP `secret_key = sha1(ip + security_key)` (or `sha1(security_key)` with --whitelist).
    Chamilo {
        /// The IP the server sees (what testip.php reports).
        #[arg(long, required_unless_present = "whitelist", default_value = "")]
        ip: String,
        /// The installation's security_key.
        #[arg(long)]
        security_key: String,
        /// Whitelist mode: the key is sha1(security_key), no IP.
        #[arg(long)]
        whitelist: bool,
        /// The secret_key the client sent.
        #[arg(long, value_name = "HASH")]
        secret_key: Option<String>,
    },
    /// coreBOS login `accessKey = md5(token + access_key)`.
    Corebos {
        /// The challenge token from getchallenge.
        #[arg(long)]
        token: String,
        /// The user's access key.
        #[arg(long)]
        access_key: String,
        /// The accessKey value the client sent to login.
        #[arg(long, value_name = "HASH")]
        sent: Option<String>,
    },
    /// Forma `X-Authorization: FormaLMS base64(key:sha1(values, secret))`.
    Forma {
        /// The API key.
        #[arg(long)]
        key: String,
        /// The API secret.
        #[arg(long)]
        secret: String,
        /// The raw form body as sent (`a=1&b=2`).
        #[arg(long, conflicts_with = "body_file", default_value = "")]
        body: String,
        /// Read the raw body from a file.
        #[arg(long, value_name = "FILE")]
        body_file: Option<PathBuf>,
        /// The X-Authorization header the client sent.
        #[arg(long)]
        header: Option<String>,
    },
    /// Forma SSO `token = md5(user + "," + time + "," + sso_secret)`.
    FormaSso {
        /// `login_user` as in the link.
        #[arg(long)]
        user: String,
        /// `time` as in the link (Unix seconds or yyyymmddhhmm[ss]).
        #[arg(long)]
        time: String,
        /// The SSO secret.
        #[arg(long)]
        sso_secret: String,
        /// The token the link carries.
        #[arg(long)]
        token: Option<String>,
        /// The IANA zone calendar times are read in (the server's forma.sso_timezone).
        #[arg(long, default_value = "UTC")]
        timezone: String,
    },
    /// Wildix S2S JWT (HS256, `sign.hash` over method, path, signed headers and parameters).
    Wildix {
        /// HTTP method.
        #[arg(long, default_value = "GET")]
        method: String,
        /// The URL called (absolute, so Host is known), with its query string.
        #[arg(long)]
        url: String,
        /// A header the client sent and signed, as `Name: value` (repeatable).
        #[arg(long = "header", value_name = "NAME: VALUE")]
        headers: Vec<String>,
        /// The raw body as sent.
        #[arg(long, conflicts_with = "body_file", default_value = "")]
        body: String,
        /// Read the raw body from a file.
        #[arg(long, value_name = "FILE")]
        body_file: Option<PathBuf>,
        /// The application id (X-APP-ID).
        #[arg(long)]
        app_id: String,
        /// The application name (the iss claim).
        #[arg(long)]
        app_name: String,
        /// The application secret.
        #[arg(long)]
        secret: String,
        /// The client's token (the Bearer value).
        #[arg(long)]
        token: Option<String>,
        /// The clock, Unix seconds (default: now), to check iat/exp as the server would then.
        #[arg(long)]
        now: Option<i64>,
    },
}

fn body_of(inline: &str, file: Option<&PathBuf>) -> anyhow::Result<Vec<u8>> {
    match file {
        Some(path) => {
            std::fs::read(path).with_context(|| format!("--body-file {}", path.display()))
        }
        None => Ok(inline.as_bytes().to_vec()),
    }
}

/// Builds the report for the chosen scheme.
pub fn report(scheme: &Scheme) -> anyhow::Result<Report> {
    Ok(match scheme {
        Scheme::Chamilo {
            ip,
            security_key,
            whitelist,
            secret_key,
        } => {
            let mode = if *whitelist {
                KeyMode::Whitelist
            } else {
                KeyMode::IpBound
            };
            explain::chamilo(ip, security_key, mode, secret_key.as_deref())
        }
        Scheme::Corebos {
            token,
            access_key,
            sent,
        } => explain::corebos(token, access_key, sent.as_deref()),
        Scheme::Forma {
            key,
            secret,
            body,
            body_file,
            header,
        } => {
            let body = body_of(body, body_file.as_ref())?;
            explain::forma(key, secret, &body, header.as_deref().map(str::as_bytes))
        }
        Scheme::FormaSso {
            user,
            time,
            sso_secret,
            token,
            timezone,
        } => {
            let zone = SsoTimezone::from_name(timezone)
                .ok_or_else(|| anyhow!("--timezone: unknown IANA zone {timezone:?}"))?;
            explain::forma_sso(user, time, sso_secret, zone, token.as_deref())
        }
        Scheme::Wildix {
            method,
            url,
            headers,
            body,
            body_file,
            app_id,
            app_name,
            secret,
            token,
            now,
        } => {
            let body = body_of(body, body_file.as_ref())?;
            let mut parsed = Vec::new();
            for header in headers {
                let Some((name, value)) = header.split_once(':') else {
                    bail!("--header {header:?}: expected `Name: value`");
                };
                parsed.push((name.trim(), value.trim().as_bytes()));
            }
            let now = now.unwrap_or_else(|| chrono::Utc::now().timestamp());
            explain::wildix(&WildixInput {
                method,
                url,
                headers: &parsed,
                body: &body,
                app_id,
                app_name,
                secret,
                token: token.as_deref(),
                now,
            })
        }
    })
}

/// Runs `gatehouse explain`; a mismatch is reported and exits with status 1.
pub fn run(args: ExplainArgs) -> anyhow::Result<bool> {
    let report = report(&args.scheme)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render_text());
    }
    Ok(report.matches != Some(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chamilo_spec_vector_matches() {
        // specs/chamilo.md §3, vector 1.
        let report = report(&Scheme::Chamilo {
            ip: "203.0.113.10".into(),
            security_key: "0123456789abcdef0123456789abcdef".into(),
            whitelist: false,
            secret_key: Some("78f94282503da8b8934661183379d12fb23f75e1".into()),
        })
        .unwrap();
        assert_eq!(report.matches, Some(true));
        assert_eq!(
            report.canonical,
            "203.0.113.100123456789abcdef0123456789abcdef"
        );
    }

    #[test]
    fn an_unknown_timezone_is_named() {
        let err = report(&Scheme::FormaSso {
            user: "u".into(),
            time: "1".into(),
            sso_secret: "s".into(),
            token: None,
            timezone: "Mars/Olympus".into(),
        })
        .unwrap_err();
        assert!(err.to_string().contains("Mars/Olympus"));
    }
}
