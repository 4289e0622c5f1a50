#include <cstdio>

#include "version.h"

int main() { std::printf("cnn %s\n", cnn::kVersion); }
