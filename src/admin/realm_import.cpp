#include "admin/realm_import.hpp"

#include <boost/json/error.hpp>
#include <boost/json/stream_parser.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "admin/realm_factory.hpp"
#include "model/representation.hpp"

namespace tessera::admin {
namespace fs = std::filesystem;
namespace json = boost::json;

std::string substitute_env(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find("${", pos);
    std::size_t close = open == std::string::npos ? open : text.find('}', open + 2);
    if (close == std::string::npos) break;
    out.append(text, pos, open - pos);
    std::string inner = text.substr(open + 2, close - open - 2);
    if (inner.rfind("env.", 0) == 0) inner = inner.substr(4);
    std::size_t colon = inner.find(':');
    std::string name = inner.substr(0, colon);
    const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
    if (value) out += value;
    else if (colon != std::string::npos) out += inner.substr(colon + 1);
    else out.append(text, open, close - open + 1);
    pos = close + 1;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

namespace {

// Line and column of a byte offset, for JSON syntax errors.
std::string position(const std::string& text, std::size_t offset) {
  std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(std::min(offset, text.size())), '\n'));
  std::size_t last_nl = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  std::size_t column = last_nl == std::string::npos ? offset + 1 : offset - last_nl;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ImportError(file.string() + ": cannot read the file");
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

json::value parse_json(const std::string& file, const std::string& raw) {
  std::string text = substitute_env(raw);
  json::parse_options options;
  options.max_depth = 64;
  json::stream_parser p(json::storage_ptr(), options);
  boost::system::error_code ec;
  std::size_t used = p.write(text.data(), text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) throw ImportError(file + ": invalid JSON at " + position(text, used) + ": " + ec.message());
  return p.release();
}

std::string first_error(const std::string& file, const model::JsonReader& reader) {
  const auto& e = reader.errors.front();
  std::string more = reader.errors.size() > 1 ? " (and " + std::to_string(reader.errors.size() - 1) + " more)" : "";
  return file + ": " + e.path + ": " + e.message + more;
}

}  // namespace

RealmFile parse_realm_text(const std::string& file, const std::string& text) {
  json::value doc = parse_json(file, text);
  model::JsonReader reader;
  RealmFile out{file, model::realm_import_from_json(reader, doc)};
  if (reader.ok()) admin::complete_realm(out.parsed, reader, /*validate_only=*/true);
  if (!reader.ok()) throw ImportError(first_error(out.file, reader));
  if (!reader.warnings.empty()) {
    std::string paths;
    for (std::size_t i = 0; i < reader.warnings.size() && i < 20; ++i) paths += (i ? ", " : "") + reader.warnings[i].path;
    if (reader.warnings.size() > 20) paths += ", ...";
    spdlog::warn("{}: {} field(s) ignored (not supported): {}", out.file, reader.warnings.size(), paths);
  }
  return out;
}

namespace {

bool import_one(store::Store& store, RealmFile& f) {
  const std::string& name = f.parsed.bundle.realm.name;
  if (store.realm_exists(name)) {
    spdlog::info("realm '{}' already exists; import of {} skipped", name, f.file);
    return false;
  }
  model::JsonReader reader;
  model::RealmBundle bundle = complete_realm(std::move(f.parsed), reader);
  if (!reader.ok()) throw ImportError(first_error(f.file, reader));
  try {
    store.create_realm(bundle);
  } catch (const store::StoreError& e) {
    if (e.kind() == store::StoreError::Kind::conflict && store.realm_exists(bundle.realm.name)) return false;
    throw ImportError(f.file + ": " + e.what());
  }
  spdlog::info("imported realm '{}' from {} ({} clients, {} users)", bundle.realm.name, f.file, bundle.clients.size(),
               bundle.users.size());
  return true;
}

}  // namespace

std::vector<RealmFile> read_realm_files(const std::string& path) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw ImportError(path + ": no such file or directory");
  std::vector<fs::path> paths;
  if (fs::is_directory(status)) {
    for (const auto& entry : fs::directory_iterator(path, ec))
      if (entry.is_regular_file() && entry.path().extension() == ".json") paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
  } else {
    paths.emplace_back(path);
  }
  std::vector<RealmFile> out;
  for (const auto& p : paths) out.push_back(parse_realm_text(p.string(), read_file(p)));
  return out;
}

ImportOutcome import_realms(store::Store& store, std::vector<RealmFile> files) {
  ImportOutcome outcome;
  for (auto& f : files) (import_one(store, f) ? outcome.imported : outcome.skipped).push_back(f.file);
  return outcome;
}

}  // namespace tessera::admin
