// SPDX-License-Identifier: MIT
// The import engine: records checked, batched and written one project per transaction.
#include "backup/import_engine.hpp"

#include <set>

#include "backup/line_reader.hpp"

namespace mnemo::backup::detail {
namespace {

using memory::RecordKind;

// A batch goes to the database at this many records or bytes, whichever comes first.
constexpr std::size_t kBatchRecords = 1000;
constexpr std::size_t kBatchBytes = 4 << 20;

class JsonLines final : public RecordSource {
public:
    JsonLines(std::istream& in, std::size_t max_bytes) : reader_(in, max_bytes), max_(max_bytes) {
        seekable_ = reader_.Seekable();
    }

    bool Next(SourceRecord& record, std::optional<ImportError>& error) override {
        while (true) {
            const auto status = reader_.Next(line_);
            if (status == LineReader::Status::kEnd) return false;
            const std::int64_t number = reader_.line_number();
            if (status == LineReader::Status::kTooLong) {
                error = ImportError{number, "",
                                    "the line is longer than " + std::to_string(max_) +
                                        " bytes (the import's limit per line)"};
                return false;
            }
            if (line_.find_first_not_of(" \t") == std::string::npos) continue;
            record.line = number;
            record.bytes = line_.size();
            record.value = Json::parse(line_, nullptr, /*allow_exceptions=*/false);
            if (record.value.is_discarded()) {
                error = ImportError{number, "",
                                    reader_.terminated()
                                        ? "not valid JSON"
                                        : "not valid JSON: the file ends inside this line "
                                          "(truncated?)"};
                return false;
            }
            if (!record.value.is_object() || !record.value.contains("type") ||
                !record.value["type"].is_string()) {
                error = ImportError{number, "", "a record must be a JSON object with a \"type\""};
                return false;
            }
            return true;
        }
    }

    bool Rewind() override { return seekable_ && reader_.Rewind(); }

private:
    LineReader reader_;
    std::size_t max_;
    bool seekable_ = false;
    std::string line_;
};

class Vector final : public RecordSource {
public:
    explicit Vector(std::vector<SourceRecord> records) : records_(std::move(records)) {}

    bool Next(SourceRecord& record, std::optional<ImportError>&) override {
        if (next_ == records_.size()) return false;
        record = records_[next_++];
        return true;
    }

    bool Rewind() override {
        next_ = 0;
        return true;
    }

private:
    std::vector<SourceRecord> records_;
    std::size_t next_ = 0;
};

/// One pass over the source. Without a store it only checks; with one it writes.
class Pass {
public:
    Pass(memory::Store* store, const ImportOptions& options, ImportReport& report)
        : store_(store), options_(options), report_(report) {}

    bool Run(RecordSource& source) {
        SourceRecord record;
        std::optional<ImportError> error;
        while (source.Next(record, error)) {
            if (!Handle(record)) return false;
        }
        if (error) return Fail(*error);
        if (!ended_) {
            return Fail(ImportError{last_line_, last_file_,
                                    "the file ends without its end record (truncated?)"});
        }
        return true;
    }

private:
    bool Fail(ImportError error) {
        current_.reset();  // rolls back the open project
        report_.error = std::move(error);
        return false;
    }
    bool Fail(const SourceRecord& record, std::string message) {
        return Fail(ImportError{record.line, record.file, std::move(message)});
    }

    bool Handle(const SourceRecord& record) {
        last_line_ = record.line;
        last_file_ = record.file;
        const std::string type = record.value["type"].get<std::string>();
        if (ended_) return Fail(record, "a record after the end record");
        if (!header_seen_) {
            const auto format = record.value.find("format");
            if (type != "header" || format == record.value.end() ||
                *format != std::string(kFormatName)) {
                return Fail(record,
                            "not a mnemo export: the first record must be its header "
                            "({\"type\":\"header\",\"format\":\"mnemo-export\",...}); for other "
                            "files pass --format server-memory or markdown");
            }
            const auto& version = record.value["version"];
            if (!version.is_number_integer() || version.get<int>() < 1 ||
                version.get<int>() > kFormatVersion) {
                return Fail(record, "format version " + version.dump() +
                                        " is not one this mnemo reads (1 to " +
                                        std::to_string(kFormatVersion) + "): upgrade mnemo");
            }
            header_seen_ = true;
            return true;
        }
        if (type == "header") return Fail(record, "a second header");
        if (type == "project") return OpenProject(record);
        if (type == "end") return End(record);
        const auto kind = KindOf(type);
        if (!kind) {
            ++report_.skipped;  // a newer mnemo's record: ignored, as unknown fields are
            return true;
        }
        if (!in_project_) return Fail(record, "a " + type + " record before any project record");
        if (record.value.contains("project") && record.value["project"] != file_project_) {
            return Fail(record, "a record of project " + record.value["project"].dump() +
                                    " inside project '" + file_project_ +
                                    "' (each project's records follow its project record)");
        }
        Json row;
        if (auto problem = CheckRecord(record.value, *kind, record.line, row); !problem.empty()) {
            return Fail(record, type + ": " + problem);
        }
        ++seen_[KindName(*kind)];
        if (batch_kind_ != kind || batch_.size() >= kBatchRecords || batch_bytes_ >= kBatchBytes) {
            if (!Flush()) return false;
            batch_kind_ = kind;
            batch_first_line_ = record.line;
        }
        batch_.push_back(std::move(row));
        batch_bytes_ += record.bytes;
        return true;
    }

    bool OpenProject(const SourceRecord& record) {
        if (!FinishProject()) return false;
        const Json& value = record.value;
        if (!value.contains("project") || !value["project"].is_string()) {
            return Fail(record, "project: \"project\" must be the project's name");
        }
        file_project_ = value["project"].get<std::string>();
        if (!names_.insert(file_project_).second) {
            return Fail(record, "project '" + file_project_ + "' appears twice");
        }
        if (options_.project && names_.size() > 1) {
            return Fail(record,
                        "the file holds several projects; --project renames a single one "
                        "(import without --project, or export one project)");
        }
        const std::string target = options_.project.value_or(file_project_);
        if (auto problem = ProjectNameProblem(target); !problem.empty()) {
            return Fail(record, problem);
        }
        memory::ImportProjectInfo info{target, "", std::nullopt};
        if (value.contains("description") && value["description"].is_string()) {
            info.description = value["description"].get<std::string>();
        }
        if (value.contains("created_at") && value["created_at"].is_string()) {
            info.created_at = value["created_at"].get<std::string>();
        }
        in_project_ = true;
        project_line_ = record.line;
        if (store_ == nullptr) return true;
        auto opened = memory::ProjectImport::Open(*store_, options_.owner, info, options_.dry_run);
        if (!opened.ok()) return Fail(record, opened.error().message());
        auto& counts = report_.counts["projects"];
        ++(opened->created() ? counts.added : counts.unchanged);
        current_.emplace(std::move(opened).value());
        target_ = target;
        return true;
    }

    bool Flush() {
        if (batch_.empty()) return true;
        if (current_) {
            auto written = current_->Write(*batch_kind_, batch_);
            if (!written.ok()) {
                return Fail(
                    ImportError{batch_first_line_, last_file_,
                                "in the records from this line on: " + written.error().message()});
            }
            auto& counts = report_.counts[KindName(*batch_kind_)];
            counts.added += written->added;
            counts.unchanged += written->unchanged;
        }
        batch_ = Json::array();
        batch_bytes_ = 0;
        return true;
    }

    bool FinishProject() {
        if (!in_project_) return true;
        if (!Flush()) return false;
        in_project_ = false;
        if (!current_) return true;
        auto finished = current_->Finish();
        current_.reset();
        if (!finished.ok()) {
            return Fail(ImportError{
                project_line_, last_file_,
                "could not commit project '" + target_ + "': " + finished.error().message()});
        }
        report_.projects.push_back(target_);
        return true;
    }

    bool End(const SourceRecord& record) {
        if (!FinishProject()) return false;
        ended_ = true;
        seen_["projects"] = static_cast<std::int64_t>(names_.size());
        for (const auto& [kind, count] : seen_) {
            const auto it = record.value.find(kind);
            if (it == record.value.end()) continue;
            if (!it->is_number_integer() || it->get<std::int64_t>() != count) {
                return Fail(record, "the end record counts " + it->dump() + " " + kind +
                                        " but the file holds " + std::to_string(count) +
                                        " (records were lost or added)");
            }
        }
        return true;
    }

    memory::Store* store_;
    const ImportOptions& options_;
    ImportReport& report_;

    bool header_seen_ = false;
    bool ended_ = false;
    bool in_project_ = false;
    std::string file_project_;
    std::string target_;
    std::int64_t project_line_ = 0;
    std::set<std::string> names_;
    std::map<std::string, std::int64_t> seen_;
    std::optional<memory::ProjectImport> current_;
    Json batch_ = Json::array();
    std::optional<RecordKind> batch_kind_;
    std::int64_t batch_first_line_ = 0;
    std::size_t batch_bytes_ = 0;
    std::int64_t last_line_ = 0;
    std::string last_file_;
};

}  // namespace

ImportReport RunImport(memory::Store& store, RecordSource& source, const ImportOptions& options) {
    ImportReport report;
    report.dry_run = options.dry_run;
    if (source.Rewind()) {
        ImportReport check;
        if (!Pass(nullptr, options, check).Run(source)) {
            report.error = check.error;
            return report;
        }
        if (!source.Rewind()) {
            report.error = ImportError{0, "", "could not read the input a second time"};
            return report;
        }
    }
    Pass(&store, options, report).Run(source);
    return report;
}

std::unique_ptr<RecordSource> JsonLinesSource(std::istream& in, std::size_t max_line_bytes) {
    return std::make_unique<JsonLines>(in, max_line_bytes);
}

std::unique_ptr<RecordSource> VectorSource(std::vector<SourceRecord> records) {
    return std::make_unique<Vector>(std::move(records));
}

Json HeaderRecord() {
    return {{"type", "header"}, {"format", kFormatName}, {"version", kFormatVersion}};
}

Json EndRecord() { return {{"type", "end"}}; }

}  // namespace mnemo::backup::detail
