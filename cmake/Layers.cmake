# The server's layers as libraries the build enforces (docs/architecture.md, "What CMake
# enforces").
#
#   mnemo_layer(<layer> SOURCES <file.cpp>... [PUBLIC <dep>...] [PRIVATE <dep>...])
#
# makes the static library mnemo_<layer> from server/src/<layer>/<file.cpp>... (a generated
# source: its absolute path). A dep is a layer name (util, memory, ...) or any other target
# (pqpool, nlohmann_json::nlohmann_json, ...). PUBLIC: the layer's headers include it, so whoever
# includes them sees it too; PRIVATE: only the layer's .cpp files do.
#
# How a wrong include fails to compile: a layer's headers are reachable only through its own
# include root, <build>/server/layer-include/<layer>/, a directory that holds nothing but the
# symbolic link <layer> -> server/src/<layer>. So `#include "memory/store.hpp"` compiles only in a
# target that links mnemo_memory, directly or through a PUBLIC dependency; anywhere else the
# compiler says "memory/store.hpp: No such file or directory". (server/src itself is on no
# include path; scripts/check-layers refuses `#include "../`.)
#
#   mnemo_layer_exception(<layer> PUBLIC|PRIVATE <dep>...)
#
# adds a temporary dependency for a crossing that scripts/layer-exceptions.txt still lists
# (issue 16). The test layer_table_matches_build fails once that file lists no crossing from
# <layer> to <dep>, so the dependency goes with the last include that needed it.
include_guard(GLOBAL)

set(MNEMO_LAYERS util config embedded files memory mcp conformance tools hooks backup ui transport
    backend cli)

# Everything every layer's code and its users compile with.
add_library(mnemo_layer_common INTERFACE)
target_compile_definitions(mnemo_layer_common INTERFACE MNEMO_VERSION="${PROJECT_VERSION}"
    BOOST_BEAST_USE_STD_STRING_VIEW)
target_link_libraries(mnemo_layer_common INTERFACE Threads::Threads)

function(mnemo_layer_link layer)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "PUBLIC;PRIVATE")
    foreach(scope IN ITEMS PUBLIC PRIVATE)
        foreach(dep IN LISTS arg_${scope})
            if(dep IN_LIST MNEMO_LAYERS)
                set(dep mnemo_${dep})
            endif()
            target_link_libraries(mnemo_${layer} ${scope} ${dep})
        endforeach()
    endforeach()
endfunction()

function(mnemo_layer layer)
    if(NOT layer IN_LIST MNEMO_LAYERS)
        message(FATAL_ERROR "mnemo_layer(${layer}): not in MNEMO_LAYERS (cmake/Layers.cmake)")
    endif()
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;PUBLIC;PRIVATE")
    set(folder ${CMAKE_CURRENT_SOURCE_DIR}/src/${layer})
    set(root ${CMAKE_CURRENT_BINARY_DIR}/layer-include/${layer})
    file(MAKE_DIRECTORY ${root})
    file(CREATE_LINK ${folder} ${root}/${layer} SYMBOLIC)

    set(sources "")
    foreach(source IN LISTS arg_SOURCES)
        if(IS_ABSOLUTE ${source})
            list(APPEND sources ${source})
        else()
            list(APPEND sources ${folder}/${source})
        endif()
    endforeach()
    # The lists are explicit; a .cpp left out of its layer would only show up as a link error,
    # so say which one (the glob re-runs configure when a file appears).
    file(GLOB present RELATIVE ${folder} CONFIGURE_DEPENDS ${folder}/*.cpp)
    foreach(file IN LISTS present)
        if(NOT file IN_LIST arg_SOURCES)
            message(FATAL_ERROR "server/src/${layer}/${file} belongs to no library: add it to "
                                "mnemo_layer(${layer} SOURCES ...) in server/CMakeLists.txt")
        endif()
    endforeach()

    add_library(mnemo_${layer} STATIC ${sources})
    target_include_directories(mnemo_${layer} PUBLIC ${root})
    target_link_libraries(mnemo_${layer} PUBLIC mnemo_layer_common)
    mnemo_target_warnings(mnemo_${layer})
    mnemo_layer_link(${layer} PUBLIC ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})
    # The declared layer dependencies (pqpool counts as one), for the test that compares them
    # with scripts/check-layers and docs/architecture.md.
    set(layer_deps "")
    foreach(dep IN LISTS arg_PUBLIC arg_PRIVATE)
        if(dep IN_LIST MNEMO_LAYERS OR dep STREQUAL "pqpool")
            list(APPEND layer_deps ${dep})
        endif()
    endforeach()
    list(SORT layer_deps)
    string(JOIN " " layer_deps ${layer_deps})
    set_property(GLOBAL APPEND PROPERTY mnemo_layer_table "${layer}:${layer_deps}")
endfunction()

function(mnemo_layer_exception layer)
    mnemo_layer_link(${ARGV})
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "PUBLIC;PRIVATE")
    foreach(dep IN LISTS arg_PUBLIC arg_PRIVATE)
        set_property(GLOBAL APPEND PROPERTY mnemo_layer_exceptions "${layer}:${dep}")
    endforeach()
endfunction()
