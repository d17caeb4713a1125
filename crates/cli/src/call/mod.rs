//! `gatehouse call DIALECT OPERATION [key=value]...`: one signed call to any dialect, against
//! gatehouse or the real product, with the handshake done by `gatehouse-client` (D17).

mod credentials;
mod dialects;
mod output;

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use gatehouse_client::Trace;
use serde_json::{Map, Value};

/// Options of `gatehouse call`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CallArgs {
    /// The dialect to call.
    pub dialect: Dialect,
    /// The operation: a `WS…` SOAP name or REST action (chamilo), an operation name (corebos),
    /// `module/function` or `sso` (forma), `[METHOD] PATH` (wildix).
    pub operation: String,
    /// Parameters as `key=value`; `key=@FILE` reads the value from FILE. For forma `sso`, the
    /// username; for wildix, the path when OPERATION is a method.
    pub params: Vec<String>,
    /// A named profile of ~/.config/gatehouse/profiles.toml (or of --profile-file).
    #[arg(long)]
    pub profile: Option<String>,
    /// A profile file: the sandbox credentials file (JSON) or a profiles.toml.
    #[arg(long)]
    pub profile_file: Option<PathBuf>,
    /// A JSON object whose members are added to the parameters (the wildix body is sent as JSON,
    /// a corebos `create`/`update` takes it as `element`).
    #[arg(long)]
    pub json_body: Option<PathBuf>,
    /// Print the canonical string, the signature and every raw request and response to stderr
    /// (secrets masked).
    #[arg(long, short)]
    pub verbose: bool,
    /// Print the last response body exactly as received instead of pretty JSON.
    #[arg(long)]
    pub raw: bool,
}

/// The dialects `call` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dialect {
    /// Chamilo LMS: SOAP (`WS…` operations) and REST (`api/v2.php` actions).
    Chamilo,
    /// coreBOS / vtiger `webservice.php`.
    Corebos,
    /// Forma LMS REST and SSO links.
    Forma,
    /// Wildix WMS S2S `/api/v1/`.
    Wildix,
}

impl Dialect {
    /// The dialect's name as in the credentials file and environment variables.
    pub fn name(self) -> &'static str {
        match self {
            Self::Chamilo => "chamilo",
            Self::Corebos => "corebos",
            Self::Forma => "forma",
            Self::Wildix => "wildix",
        }
    }
}

const EXAMPLES: &str = "Credentials: --profile-file/--profile, then GATEHOUSE_<DIALECT>_URL and
GATEHOUSE_CHAMILO_{SECURITY_KEY,USERNAME,PASSWORD,API_KEY}, GATEHOUSE_COREBOS_{USERNAME,ACCESS_KEY},
GATEHOUSE_FORMA_{KEY,SECRET,SSO_SECRET,CODE,USERNAME,PASSWORD,AUTH_METHOD},
GATEHOUSE_WILDIX_{APP_ID,APP_NAME,SECRET}, then the `default` profile of
~/.config/gatehouse/profiles.toml (same keys in lower case, e.g. [default.forma] code = \"...\").
Forma uses AUTH_METHOD (code, token or secret_key) when set, else CODE, else KEY+SECRET, else
USERNAME+PASSWORD; the sandbox credentials file names its configured method.

Examples (creds.json is the file `gatehouse sandbox --credentials-file creds.json` writes):
  gatehouse call --profile-file creds.json chamilo WSGetUserFromUsername username=admin
  gatehouse call --profile-file creds.json chamilo user_profile
  gatehouse call --profile-file creds.json corebos listtypes
  gatehouse call --profile-file creds.json corebos query 'query=SELECT * FROM Users;'
  gatehouse call --profile-file creds.json corebos create elementType=Accounts --json-body account.json
  gatehouse call --profile-file creds.json forma user/checkUsername userid=admin
  GATEHOUSE_FORMA_URL=https://lms.example GATEHOUSE_FORMA_CODE=the-code gatehouse call forma user/checkUsername userid=admin
  gatehouse call --profile-file creds.json forma sso admin
  gatehouse call --profile-file creds.json wildix PBX/settings/CallQueues/
  gatehouse call --profile-file creds.json --verbose wildix POST Sounds/ directory=tts filename=hi text=Hello";

/// Runs one call and prints its result.
pub async fn run(args: CallArgs) -> anyhow::Result<()> {
    let creds = credentials::resolve(
        args.dialect.name(),
        args.profile.as_deref(),
        args.profile_file.as_deref(),
    )?;
    let json_body = match &args.json_body {
        Some(path) => Some(read_json_object(path)?),
        None => None,
    };
    let trace = Trace::new();
    let request = dialects::Request {
        operation: &args.operation,
        params: &args.params,
        json_body: json_body.as_ref(),
        creds: &creds,
        trace: &trace,
    };
    let result = match args.dialect {
        Dialect::Chamilo => dialects::chamilo(request).await,
        Dialect::Corebos => dialects::corebos(request).await,
        Dialect::Forma => dialects::forma(request).await,
        Dialect::Wildix => dialects::wildix(request).await,
    };
    if args.verbose {
        output::print_verbose(&trace, &creds.secrets());
    }
    let result = result?;
    if args.dialect == Dialect::Forma && args.operation == "sso" {
        // A link is for a browser or `curl`, so it is printed bare.
        println!("{}", result.as_str().unwrap_or_default());
        return Ok(());
    }
    output::print_result(&result, args.raw, &trace);
    Ok(())
}

fn read_json_object(path: &std::path::Path) -> anyhow::Result<Map<String, Value>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --json-body {}", path.display()))?;
    match serde_json::from_str(&text)
        .with_context(|| format!("--json-body {} is not JSON", path.display()))?
    {
        Value::Object(map) => Ok(map),
        _ => bail!("--json-body {} must hold a JSON object", path.display()),
    }
}

/// Splits `key=value` parameters, reading `@FILE` values from their files.
pub fn parse_params(params: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    params
        .iter()
        .map(|p| {
            let (key, value) = p
                .split_once('=')
                .with_context(|| format!("parameter {p:?} is not key=value"))?;
            let value = match value.strip_prefix('@') {
                Some(file) => std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read {file} for parameter {key}"))?,
                None => value.to_owned(),
            };
            Ok((key.to_owned(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_split_at_the_first_equals_sign() {
        let parsed = parse_params(&["query=SELECT a=b;".to_owned()]).expect("valid");
        assert_eq!(parsed, vec![("query".to_owned(), "SELECT a=b;".to_owned())]);
    }

    #[test]
    fn a_parameter_without_equals_sign_is_refused() {
        assert!(parse_params(&["oops".to_owned()]).is_err());
    }
}
