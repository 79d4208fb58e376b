#include "app/run.hpp"

int main(int argc, char** argv) { return tessera::app::run(argc, argv); }
