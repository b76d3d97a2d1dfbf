#include "reconciler/cli.h"

int main(int argc, char** argv) { return dflow::cli::Main(argc, argv); }
