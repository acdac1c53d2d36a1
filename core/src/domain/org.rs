//! The organisation: regions in a tree (city → county/district → town/street) and their levels.

use serde::{Deserialize, Serialize};

/// The administrative level of a region; a child is always one level below its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    County,
    Town,
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Town => "town",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "province" => RegionLevel::Province,
            "city" => RegionLevel::City,
            "county" => RegionLevel::County,
            "town" => RegionLevel::Town,
            _ => return None,
        })
    }

    /// The level a child of this region must have.
    pub fn child(self) -> Option<Self> {
        match self {
            RegionLevel::Province => Some(RegionLevel::City),
            RegionLevel::City => Some(RegionLevel::County),
            RegionLevel::County => Some(RegionLevel::Town),
            RegionLevel::Town => None,
        }
    }

    /// Chinese name, for what users read.
    pub fn label_zh(self) -> &'static str {
        match self {
            RegionLevel::Province => "省",
            RegionLevel::City => "市",
            RegionLevel::County => "县(区)",
            RegionLevel::Town => "乡镇(街道)",
        }
    }
}

/// What kind of bearer a token is issued to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A login session of a person.
    Session,
    /// A long-lived key for an integration (a peer system, a front-end).
    ApiKey,
    /// A hall device (kiosk, LED screen, tablet, access point).
    Device,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::ApiKey => "api_key",
            TokenKind::Device => "device",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "session" => TokenKind::Session,
            "api_key" => TokenKind::ApiKey,
            "device" => TokenKind::Device,
            _ => return None,
        })
    }
}
