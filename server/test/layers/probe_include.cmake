# One layer probe (server/test/CMakeLists.txt, "layers"): compiles a one-line file that includes
# HEADER with exactly the include path of the library mnemo_<LAYER> (INCLUDES_FILE, written at
# configure time: layer_includes, and the compiler's implicit directories), and checks the
# outcome. EXPECT=fail: the compiler must refuse, and because
# it cannot find HEADER (not for some other reason); EXPECT=compile: it must succeed.
#
#   cmake -DCOMPILER=... -DINCLUDES_FILE=... -DLAYER=transport
#         -DHEADER=memory/store.hpp -DEXPECT=fail -DWORK_DIR=... -P probe_include.cmake
cmake_minimum_required(VERSION 3.25)
foreach(var IN ITEMS COMPILER INCLUDES_FILE LAYER HEADER EXPECT WORK_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "probe_include.cmake: -D${var}=... is required")
    endif()
endforeach()
if(NOT EXPECT MATCHES "^(fail|compile)$")
    message(FATAL_ERROR "probe_include.cmake: EXPECT is fail or compile, not '${EXPECT}'")
endif()

include(${INCLUDES_FILE})  # Sets layer_includes and implicit_includes.
set(flags "")
foreach(dir IN LISTS layer_includes)
    if(NOT dir IN_LIST implicit_includes)  # -I/usr/include would break libstdc++'s #include_next.
        list(APPEND flags -I${dir})
    endif()
endforeach()

string(MAKE_C_IDENTIFIER "${LAYER}_${HEADER}" name)
file(MAKE_DIRECTORY ${WORK_DIR})
set(probe ${WORK_DIR}/${name}.cpp)
file(WRITE ${probe} "// As if in server/src/${LAYER}/.\n#include \"${HEADER}\"\n")
execute_process(COMMAND ${COMPILER} -std=c++20 -fsyntax-only ${flags} ${probe}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)

if(EXPECT STREQUAL "compile")
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "a ${LAYER}/ file including \"${HEADER}\" must compile, and did "
                            "not:\n${out}")
    endif()
    message(STATUS "ok: a ${LAYER}/ file may include \"${HEADER}\" and compiles")
else()
    if(rc EQUAL 0)
        message(FATAL_ERROR "a ${LAYER}/ file including \"${HEADER}\" compiled; the layers "
                            "forbid it (mnemo_${LAYER} must not see that layer: check its "
                            "dependencies in server/CMakeLists.txt)")
    endif()
    string(FIND "${out}" "${HEADER}" named)
    if(named EQUAL -1 OR NOT out MATCHES "No such file or directory|file not found")
        message(FATAL_ERROR "a ${LAYER}/ file including \"${HEADER}\" failed, but not because "
                            "the header is out of reach:\n${out}")
    endif()
    message(STATUS "ok: a ${LAYER}/ file including \"${HEADER}\" fails to compile:\n${out}")
endif()
