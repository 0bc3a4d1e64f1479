# Part of CTest's pqpool_install_test: cmake --install --component pqpool into WORK_DIR/prefix,
# then configure and build CONSUMER_DIR against that prefix only (the test then runs it).
# SETTINGS names a file that sets BUILD_DIR, CONSUMER_DIR, WORK_DIR, GENERATOR, CXX,
# CXX_FLAGS, LINKER_FLAGS and BUILD_TYPE (pqpool/test/CMakeLists.txt writes it).
include(${SETTINGS})
function(run what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "pqpool_install_test: ${what} failed (${rc})")
    endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
run("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --component pqpool
    --prefix ${WORK_DIR}/prefix)
foreach(file IN ITEMS include/pqpool/pool.hpp lib/cmake/pqpool/pqpoolConfig.cmake)
    if(NOT EXISTS ${WORK_DIR}/prefix/${file})
        message(FATAL_ERROR "pqpool_install_test: ${file} was not installed")
    endif()
endforeach()
file(GLOB_RECURSE not_pqpool ${WORK_DIR}/prefix/bin/* ${WORK_DIR}/prefix/lib/systemd/*)
if(not_pqpool)
    message(FATAL_ERROR "pqpool_install_test: the component installed more: ${not_pqpool}")
endif()
# Only the prefix: CMAKE_FIND_USE_PACKAGE_REGISTRY off, so no other pqpool can be found.
run("configure the consumer" ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build
    -G ${GENERATOR} -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_CXX_FLAGS=${CXX_FLAGS}
    -DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS} -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
run("build the consumer" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
