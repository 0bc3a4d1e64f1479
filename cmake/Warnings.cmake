# mnemo_warnings: an INTERFACE target with our warning flags, linked PRIVATE by our own targets.
include_guard(GLOBAL)

add_library(mnemo_warnings INTERFACE)
target_compile_options(mnemo_warnings INTERFACE
    -Wall
    -Wextra
    -Wpedantic
    -Wconversion
    -Wsign-conversion
    -Wshadow
    -Wnon-virtual-dtor
    -Wold-style-cast
    -Woverloaded-virtual
    -Wnull-dereference
    -Wimplicit-fallthrough
    -Wextra-semi
    $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety>
    $<$<BOOL:${MNEMO_WERROR}>:-Werror>
)

# Links the warnings into TARGET without putting mnemo_warnings into its exported interface
# (an installed static library would otherwise drag the non-exported target along).
function(mnemo_target_warnings target)
    target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:mnemo_warnings>)
endfunction()
