//! Fixed vocabulary of the generated Cupid game: agents, models and prices,
//! recurring status messages. Everything is `'static` so that a million
//! observations cost no string allocations.

/// A model the Cupid agents call, with Langfuse-style per-token prices in
/// nano-USD (whole numbers, so every cost is an exact integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelInfo {
    pub name: &'static str,
    /// Langfuse's internal model id; `None` for a model Langfuse has no price for.
    pub internal_id: Option<&'static str>,
    pub input_nanousd_per_token: i64,
    pub cached_input_nanousd_per_token: i64,
    pub output_nanousd_per_token: i64,
}

impl ModelInfo {
    pub fn is_priced(&self) -> bool {
        self.internal_id.is_some()
    }
}

pub const MODELS: [ModelInfo; 5] = [
    ModelInfo {
        name: "gpt-4o",
        internal_id: Some("b9854a5c92dc496b997d99d20"),
        input_nanousd_per_token: 2_500,
        cached_input_nanousd_per_token: 1_250,
        output_nanousd_per_token: 10_000,
    },
    ModelInfo {
        name: "gpt-4o-mini",
        internal_id: Some("clyrjp56f0000t0mzapoocd7u"),
        input_nanousd_per_token: 150,
        cached_input_nanousd_per_token: 75,
        output_nanousd_per_token: 600,
    },
    ModelInfo {
        name: "claude-sonnet-4",
        internal_id: Some("cmazmkzlm00000djp1e1qe4k4"),
        input_nanousd_per_token: 3_000,
        cached_input_nanousd_per_token: 300,
        output_nanousd_per_token: 15_000,
    },
    ModelInfo {
        name: "claude-haiku-4",
        internal_id: Some("cmazmkzlm00010djp4xq2v7ab"),
        input_nanousd_per_token: 1_000,
        cached_input_nanousd_per_token: 100,
        output_nanousd_per_token: 5_000,
    },
    // A self-hosted model Langfuse has no price for: usage is known, cost is not.
    ModelInfo {
        name: "cupid-local-llm",
        internal_id: None,
        input_nanousd_per_token: 0,
        cached_input_nanousd_per_token: 0,
        output_nanousd_per_token: 0,
    },
];

pub const GPT_4O: u8 = 0;
pub const GPT_4O_MINI: u8 = 1;
pub const CLAUDE_SONNET_4: u8 = 2;
pub const CLAUDE_HAIKU_4: u8 = 3;
pub const LOCAL_LLM: u8 = 4;

pub const MATCHMAKER: &str = "matchmaker";
pub const JUDGE: &str = "judge";
pub const MODERATOR: &str = "moderator";
pub const PERSONAS: [&str; 6] = [
    "persona-alice",
    "persona-bob",
    "persona-carol",
    "persona-dave",
    "persona-erin",
    "persona-frank",
];
/// Name of background traces that belong to no game session.
pub const PROFILE_INDEXER: &str = "profile-indexer";
/// Trace name used by some turns instead of the agent's name.
pub const CHAT_TURN: &str = "chat-turn";

pub const GENERATION_NAMES: [&str; 3] = ["chat-completion", "reply-draft", "self-critique"];
pub const TOOL_NAMES: [&str; 4] = [
    "search_profiles",
    "memory_lookup",
    "send_message",
    "moderation_check",
];
pub const SPAN_NAMES: [&str; 2] = ["build-prompt", "turn-handler"];
pub const EVENT_NAMES: [&str; 2] = ["message-sent", "turn-finished"];

/// One release per era of the generated window, oldest first (see
/// `dataset/versions.rs`); its prompt versions are 1, 2, 3.
pub const RELEASES: [&str; 3] = ["cupid@1.7.2", "cupid@1.8.0", "cupid@1.8.1"];
/// Per era: the share of games won (the `win` score), in percent.
pub const WIN_RATE_PERCENT: [u32; 3] = [35, 50, 65];
/// Per era: the prompt's uncached input tokens, in percent of the first's.
pub const PROMPT_INPUT_PERCENT: [i64; 3] = [100, 112, 125];
/// The agents' code version (each observation's `version`): the second
/// from halfway through the window on.
pub const AGENT_VERSIONS: [&str; 2] = ["agents-2.3.0", "agents-2.4.0"];
/// The boolean session score that says whether the game was won.
pub const WIN_SCORE: &str = "win";
pub const TAG_SETS: [&[&str]; 3] = [&["cupid", "ranked"], &["cupid", "casual"], &["cupid"]];
/// Where most games run.
pub const PRODUCTION: &str = "production";
/// Where a share of games run (pre-release testing).
pub const STAGING: &str = "staging";
/// Share of games played in staging.
pub const STAGING_SHARE: f64 = 0.12;
/// Langfuse writes its own LLM-as-a-judge runs into the project under this
/// internal environment (web/src/features/evals/..., `internalEnvironments.ts`).
pub const JUDGE_ENVIRONMENT: &str = "langfuse-llm-as-a-judge";
/// Langfuse names the trace of an evaluator run after the score it writes.
pub const EVALUATOR_TRACE_PREFIX: &str = "Execute evaluator: ";
/// The score each game's judge run evaluates.
pub const JUDGED_SCORE: &str = "match_quality";
/// Its trace name, precomputed so that names stay `'static`.
pub const JUDGED_TRACE_NAME: &str = "Execute evaluator: match_quality";

/// Recurring status messages; `{}` is replaced by a number that varies per
/// observation so that grouping by a normalised message is meaningful.
pub const ERROR_MESSAGES: [&str; 4] = [
    "Rate limit reached for requests: retry after {} ms",
    "Request timed out after {} ms",
    "Invalid JSON in model output at position {}",
    "Content filter triggered (policy {})",
];
pub const WARNING_MESSAGES: [&str; 3] = [
    "Retrying LLM call after a failed attempt (request {})",
    "Prompt truncated to {} tokens",
    "Slow upstream response: {} ms",
];
pub const TOOL_ERROR_MESSAGES: [&str; 2] = [
    "Tool search_profiles failed: upstream returned {}",
    "Profile {} not found",
];

pub const OPENING_LINES: [&str; 6] = [
    "Tell me about your perfect weekend.",
    "What is the most spontaneous thing you have done?",
    "Which book changed how you see the world?",
    "Coffee or tea, and why does it matter so much?",
    "What would your friends say is your best quality?",
    "Describe your ideal first date in three words.",
];
/// Agents echo what players type, markup included: the last reply carries
/// script payloads so the dashboard's handling of untrusted text is tested
/// on data that came through the real sync.
pub const REPLIES: [&str; 7] = [
    "Hiking at sunrise and a long breakfast afterwards.",
    "I once booked a train to a city I had never heard of.",
    "A novel about a lighthouse keeper, oddly enough.",
    "Tea, because it forces you to slow down.",
    "They would say I listen more than I talk.",
    "Curious, unhurried, honest.",
    "My bio says <script>window.__cupidXss='script'</script><img src=x onerror=\"window.__cupidXss='img'\"> and I stand by it.",
];
