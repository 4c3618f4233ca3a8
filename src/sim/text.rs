//! The simulated account's agents and the canned text of full objects (names,
//! transcript lines), kept apart from the logic that uses them.

/// A voice agent of the simulated account; each number dials for one of them.
pub(crate) struct Agent {
    pub id: &'static str,
    pub name: &'static str,
    pub version: u32,
    pub campaign: &'static str,
    pub greeting: &'static str,
}

pub(crate) const AGENTS: [Agent; 6] = [
    Agent {
        id: "agent_4f1c2a9e8b7d6c5e3a2b1f0e",
        name: "Ava - Solar Outreach",
        version: 12,
        campaign: "solar-q4-homeowners",
        greeting: "Agent: Hi, this is Ava from Brightline Solar. I'm calling about the quote you requested for panels on your home. Is now a good time?\n",
    },
    Agent {
        id: "agent_9d3e7b21c4a85f60e1d2c3b4",
        name: "Max - Insurance Renewals",
        version: 7,
        campaign: "auto-renewal-nov",
        greeting: "Agent: Hello, this is Max with Harborview Insurance. Your auto policy is up for renewal and I can walk you through a better rate.\n",
    },
    Agent {
        id: "agent_b82f0c6d1e9a4735c2b8d0e6",
        name: "Nora - Appointment Setter",
        version: 21,
        campaign: "dental-recall",
        greeting: "Agent: Hi, this is Nora from Riverside Dental. You're due for a cleaning and I'd love to get you on the calendar.\n",
    },
    Agent {
        id: "agent_17ac5e9f3b2d8c4a6e0f1b7d",
        name: "Leo - Mortgage Leads",
        version: 4,
        campaign: "refi-webform-leads",
        greeting: "Agent: Good afternoon, this is Leo from Keystone Home Loans following up on your refinance inquiry.\n",
    },
    Agent {
        id: "agent_e5d4c3b2a1f09e8d7c6b5a43",
        name: "Iris - Collections Reminder",
        version: 9,
        campaign: "invoice-reminders",
        greeting: "Agent: Hello, this is Iris calling on behalf of Summit Utilities with a reminder about your account balance.\n",
    },
    Agent {
        id: "agent_3c8b1d7e5f2a9c0b4d6e8f1a",
        name: "Sam - Event Invitations",
        version: 15,
        campaign: "expo-2026-invites",
        greeting: "Agent: Hi there, this is Sam from Metro Home Expo. We're holding a free ticket for you for this weekend's show.\n",
    },
];

pub(crate) const NAMES: [&str; 10] = [
    "Maria Garcia",
    "James Smith",
    "Priya Patel",
    "Wei Chen",
    "Olivia Johnson",
    "Ahmed Hassan",
    "Emily Davis",
    "Carlos Rodriguez",
    "Hannah Kim",
    "Michael Brown",
];
pub(crate) const SOURCES: [&str; 4] = ["web_form", "facebook_lead_ad", "referral", "trade_show"];
pub(crate) const TIMES: [&str; 3] = ["morning", "afternoon", "evening"];

pub(crate) const USER_LINES: [&str; 8] = [
    "User: Sure, I have a couple of minutes.\n",
    "User: Who did you say you were with?\n",
    "User: I already looked into this last month.\n",
    "User: Can you send me something by email instead?\n",
    "User: What would that cost me per month?\n",
    "User: Okay, that sounds reasonable.\n",
    "User: I'm driving right now, make it quick.\n",
    "User: Yes, Thursday afternoon works for me.\n",
];

pub(crate) const AGENT_LINES: [&str; 6] = [
    "Agent: Of course. It only takes a minute to check whether you qualify.\n",
    "Agent: I can text you a link with all the details right after this call.\n",
    "Agent: Most customers in your area save between fifteen and thirty percent.\n",
    "Agent: Great, I've noted that. Is this still the best number to reach you?\n",
    "Agent: No problem at all, I'll make a note and follow up by email.\n",
    "Agent: Perfect, you'll get a confirmation shortly. Thanks for your time!\n",
];
