# Writes a C++ source holding a file's bytes: cmake -DIN=file -DOUT=file.cpp
# -DNAME=symbol -P embed.cmake (used for the compiled BPF object).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "// Generated from ${IN}; do not edit.\n#include <cstddef>\n#include <cstdint>\n\nnamespace openwfp::live {\nextern const uint8_t ${NAME}[];\nextern const size_t ${NAME}_size;\nconst uint8_t ${NAME}[] = {\n${bytes}\n};\nconst size_t ${NAME}_size = ${size};\n}  // namespace openwfp::live\n")
