// libyaml's event parser, for SwiftPM2Core's YAML reader (pkg-config yaml-0.1; apt libyaml-dev).
#include <yaml.h>
