# Debian's SOCI 4.0 ships neither a CMake package nor a .pc file: find the headers and the
# three libraries tallyman uses and wrap them as imported targets.
#   SOCI::core, SOCI::sqlite3, SOCI::mysql
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)

find_path(SOCI_INCLUDE_DIR soci/soci.h)
find_library(SOCI_CORE_LIBRARY soci_core)
find_library(SOCI_SQLITE3_LIBRARY soci_sqlite3)
find_library(SOCI_MYSQL_LIBRARY soci_mysql)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SOCI REQUIRED_VARS
  SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY SOCI_SQLITE3_LIBRARY SOCI_MYSQL_LIBRARY)

if(SOCI_FOUND AND NOT TARGET SOCI::core)
  add_library(SOCI::core UNKNOWN IMPORTED)
  set_target_properties(SOCI::core PROPERTIES
    IMPORTED_LOCATION ${SOCI_CORE_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${SOCI_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS};Threads::Threads")
  add_library(SOCI::sqlite3 UNKNOWN IMPORTED)
  set_target_properties(SOCI::sqlite3 PROPERTIES
    IMPORTED_LOCATION ${SOCI_SQLITE3_LIBRARY}
    INTERFACE_LINK_LIBRARIES "SOCI::core;PkgConfig::SQLITE3")
  add_library(SOCI::mysql UNKNOWN IMPORTED)
  set_target_properties(SOCI::mysql PROPERTIES
    IMPORTED_LOCATION ${SOCI_MYSQL_LIBRARY}
    INTERFACE_LINK_LIBRARIES "SOCI::core;PkgConfig::MARIADB")
endif()
