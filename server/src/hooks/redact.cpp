// SPDX-License-Identifier: MIT
// Secret redaction with RE2 (linear time on any input).
#include "hooks/redact.hpp"

#include <memory>
#include <vector>

#include <re2/re2.h>

namespace mnemo::hooks {
namespace {

struct Rule {
    std::unique_ptr<RE2> pattern;
    std::string replacement;
};

RE2::Options Options() {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_dot_nl(true);
    return options;
}

/// Compiled once (function-local static: thread-safe initialisation).
const std::vector<Rule>& Rules() {
    static const std::vector<Rule> rules = [] {
        std::vector<Rule> list;
        const auto add = [&](const char* pattern, const char* replacement) {
            list.push_back(Rule{std::make_unique<RE2>(pattern, Options()), replacement});
        };
        add(R"((?i)<private>.*?(</private>|$))", "[private]");
        add(R"((?i)(authorization\s*[:=]\s*["']?)(bearer|basic|token)?\s*[^\s"']+)",
            "\\1[redacted]");
        add(R"((?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,})", "Bearer [redacted]");
        add(R"(\b(sk|rk|pk)-[A-Za-z0-9_-]{16,})", "[redacted]");
        add(R"(\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,})", "[redacted]");
        add(R"(\bgithub_pat_[A-Za-z0-9_]{20,})", "[redacted]");
        add(R"(\bglpat-[A-Za-z0-9_-]{20,})", "[redacted]");
        add(R"(\bxox[abposr]-[A-Za-z0-9-]{10,})", "[redacted]");
        add(R"(\b(AKIA|ASIA)[0-9A-Z]{16}\b)", "[redacted]");
        add(R"(\bAIza[0-9A-Za-z_-]{30,})", "[redacted]");
        add(R"(\bmnemo_[A-Za-z0-9_-]{16,})", "[redacted]");
        add(R"((?i)\b([a-z0-9_.-]*(api[_-]?key|apikey|secret|token|passw(or)?d|pwd|access[_-]?key|private[_-]?key|client[_-]?secret)[a-z0-9_.-]*)(["']?\s*[:=]\s*["']?)[^\s"'&,;]+)",
            "\\1\\4[redacted]");
        add(R"(\b([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+):[^@\s/]+@)", "\\1:[redacted]@");
        return list;
    }();
    return rules;
}

}  // namespace

std::string RedactSecrets(std::string_view text) {
    std::string out(text);
    for (const auto& rule : Rules()) {
        if (rule.pattern->ok()) RE2::GlobalReplace(&out, *rule.pattern, rule.replacement);
    }
    return out;
}

}  // namespace mnemo::hooks
