// Renders the results of a standalone run (`atelier-agent run`) as JSON, JUnit XML or text.
#pragma once

#include <string>

#include "common/protocol/messages.h"

namespace atelier::agent {

enum class ReportFormat { kText, kJson, kJunit };

std::string render_report(const protocol::Results& results, ReportFormat format);

}  // namespace atelier::agent
