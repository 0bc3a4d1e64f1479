# mnemo_add_test(): one GoogleTest executable registered with CTest, with labels and a timeout.
include_guard(GLOBAL)

# mnemo_add_test(NAME <name> SOURCES <files...> [LIBS <libs...>] LABELS <labels...>
#                [TIMEOUT <seconds>])
#
# Builds <name> from SOURCES with GoogleTest (gtest_main provides main()), links LIBS and our
# warnings, and adds it as one CTest test. LABELS: unit (no database, fast), pg (needs
# PostgreSQL), e2e, bench. TIMEOUT defaults to 120 s. A test that exits with 77 counts as
# skipped (e.g. a pg test with no MNEMO_TEST_DSN in its environment, which it reads itself).
# Does nothing when MNEMO_BUILD_TESTS is OFF.
function(mnemo_add_test)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS")
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "mnemo_add_test: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
    endif()
    if(NOT arg_NAME OR NOT arg_SOURCES)
        message(FATAL_ERROR "mnemo_add_test: NAME and SOURCES are required")
    endif()
    if(NOT arg_LABELS)
        message(FATAL_ERROR "mnemo_add_test(${arg_NAME}): LABELS is required (unit, pg, e2e, bench)")
    endif()
    if(NOT MNEMO_BUILD_TESTS)
        return()
    endif()
    if(NOT arg_TIMEOUT)
        set(arg_TIMEOUT 120)
    endif()

    add_executable(${arg_NAME} ${arg_SOURCES})
    target_link_libraries(${arg_NAME} PRIVATE
        GTest::gtest GTest::gtest_main ${arg_LIBS} $<BUILD_INTERFACE:mnemo_warnings>)
    add_test(NAME ${arg_NAME} COMMAND ${arg_NAME})
    set_tests_properties(${arg_NAME} PROPERTIES
        LABELS "${arg_LABELS}"
        TIMEOUT ${arg_TIMEOUT}
        SKIP_RETURN_CODE 77)
endfunction()
