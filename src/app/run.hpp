#pragma once
namespace tessera::app {
// The whole program: returns the process exit code (0 ok, 1 failure, 2 bad configuration).
int run(int argc, char** argv);
}  // namespace tessera::app
