//! One function per [`super::codec::Op`], each over the narrowest port it needs.

pub mod colleagues;
pub mod history;
pub mod originate;
pub mod queues;
pub mod sounds;

use chrono::{DateTime, Utc};

/// A time as the PBX's records show it: `yyyy-mm-dd hh:mm:ss`, UTC.
pub fn pbx_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}
