#pragma once
// --import-realm: Keycloak realm-export files, one realm per file, each
// imported in one transaction; an existing realm is skipped.
#include <stdexcept>
#include <string>
#include <vector>

#include "model/representation.hpp"
#include "store/store.hpp"

namespace tessera::admin {

class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImportOutcome {
  std::vector<std::string> imported, skipped;
};

// A realm file read and checked (everything but what needs the database).
struct RealmFile {
  std::string file;
  model::RealmImport parsed;
};

// Reads `path`, a file or a directory (every regular *.json directly inside
// it), and validates each realm completely. Throws ImportError naming the
// file, the JSON path and the reason, before anything is written anywhere.
std::vector<RealmFile> read_realm_files(const std::string& path);

// One realm file's text, checked like read_realm_files checks a file
// (${VAR} substitution, JSON, representation, references); `file` names it in
// errors. The fuzz target fuzz/realm_import_fuzz.cpp drives this directly.
RealmFile parse_realm_text(const std::string& file, const std::string& text);

// Writes each realm that does not exist yet, one transaction per realm.
ImportOutcome import_realms(store::Store& store, std::vector<RealmFile> files);

// Replaces ${VAR}, ${VAR:default}, ${env.VAR} and ${env.VAR:default} with the
// environment's value; placeholders naming no variable and giving no default
// stay as they are (Keycloak's message keys such as ${role_admin} look alike).
std::string substitute_env(const std::string& text);

}  // namespace tessera::admin
