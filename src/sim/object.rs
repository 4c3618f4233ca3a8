//! The call object the simulator emits, in the platform's JSON shape: a `Serialize`
//! struct, not a `serde_json::Value`. The generator reuses one `CallObject` for every
//! call so that streaming millions of calls does not allocate per call.

use serde::Serialize;

use crate::model::{CallRecord, Direction};

fn is_blank(s: &&str) -> bool {
    s.is_empty()
}

/// One call as the platform returns it (Get Call, List Calls items, webhook `call`).
/// Absent fields are empty strings / `None` and are left out of the JSON. With
/// `full_objects` off only the fields up to `disconnection_reason` (plus `access_token`
/// on web calls) are filled.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CallObject {
    /// `call_` + 32 random hex digits.
    pub call_id: String,
    /// `phone_call` or `web_call`.
    pub call_type: &'static str,
    pub agent_id: &'static str,
    pub agent_version: u32,
    #[serde(skip_serializing_if = "is_blank")]
    pub agent_name: &'static str,
    /// `ended`, `not_connected`, `error` (legacy dial failures, platform errors), or
    /// `ongoing` in a webhook `call_started`.
    pub call_status: &'static str,
    /// `inbound` / `outbound`; empty (absent) on web calls.
    #[serde(skip_serializing_if = "is_blank")]
    pub direction: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub from_number: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub to_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    #[serde(skip_serializing_if = "is_blank")]
    pub disconnection_reason: &'static str,
    /// Web calls only.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub access_token: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub transcript: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_analysis: Option<CallAnalysis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// The variables the dialer passed when it created the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retell_llm_dynamic_variables: Option<DynamicVariables>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telephony_identifier: Option<TelephonyIdentifier>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub recording_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub public_log_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_cost: Option<CallCost>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm_token_usage: Option<TokenUsage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_out_sensitive_data_storage: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CallAnalysis {
    pub in_voicemail: bool,
    /// `Positive`, `Neutral`, `Negative` or `Unknown`.
    pub user_sentiment: &'static str,
    pub call_successful: bool,
    pub call_summary: &'static str,
    pub custom_analysis_data: CustomAnalysis,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CustomAnalysis {
    pub interested: bool,
    pub callback_requested: bool,
    pub lead_score: u8,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Metadata {
    pub lead_id: String,
    pub campaign: &'static str,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct DynamicVariables {
    pub customer_name: &'static str,
    pub lead_source: &'static str,
    pub preferred_time: &'static str,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct TokenUsage {
    pub values: [u32; 4],
    pub average: u32,
    pub num_requests: u32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TelephonyIdentifier {
    pub twilio_call_sid: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct LatencyStats {
    pub p50: u32,
    pub p90: u32,
    pub p95: u32,
    pub p99: u32,
    pub max: u32,
    pub min: u32,
    pub num: u32,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Latency {
    pub e2e: LatencyStats,
    pub llm: LatencyStats,
    pub tts: LatencyStats,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ProductCost {
    pub product: &'static str,
    pub unit_price: f64,
    pub cost: f64,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CallCost {
    pub product_costs: [ProductCost; 3],
    pub total_duration_seconds: u32,
    pub total_duration_unit_price: f64,
    pub combined_cost: f64,
}

impl CallObject {
    /// Appends the call as compact JSON, byte-for-byte what `serde_json::to_vec` gives,
    /// only faster (see `write_call_json`).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        super::json::write_call_json(self, out);
    }

    pub fn is_phone_call(&self) -> bool {
        self.call_type == "phone_call"
    }

    /// Our caller number: `from_number` outbound, `to_number` inbound; `None` for web calls.
    pub fn our_number(&self) -> Option<&str> {
        match self.direction {
            "outbound" => Some(&self.from_number),
            "inbound" => Some(&self.to_number),
            _ => None,
        }
    }

    /// The record a correct reader would store for this call (`None` for web calls),
    /// so tests and evaluations can reuse `health` logic on simulated calls.
    pub fn to_record(&self) -> Option<CallRecord> {
        let direction = Direction::parse(self.direction)?;
        if !self.is_phone_call() {
            return None;
        }
        let (ours, other) = match direction {
            Direction::Outbound => (&self.from_number, &self.to_number),
            Direction::Inbound => (&self.to_number, &self.from_number),
        };
        let a = self.call_analysis.as_ref();
        Some(CallRecord {
            call_id: self.call_id.clone(),
            direction,
            our_number: ours.as_str().into(),
            other_number: other.as_str().into(),
            call_status: self.call_status.into(),
            agent_id: Some(self.agent_id.to_string()),
            disconnection_reason: (!self.disconnection_reason.is_empty())
                .then(|| self.disconnection_reason.into()),
            start_ms: self.start_timestamp,
            end_ms: self.end_timestamp,
            duration_ms: self.duration_ms,
            in_voicemail: a.map(|a| a.in_voicemail),
            user_sentiment: a.map(|a| a.user_sentiment.into()),
            call_successful: a.map(|a| a.call_successful),
            number_flags: 0,
        })
    }
}
