# Debian's libcaf-dev ships no CMake package config, so we locate it ourselves.
# Targets are named CAF::core, CAF::io, CAF::openssl as in upstream's 0.17 FindCAF.
find_path(CAF_INCLUDE_DIR caf/all.hpp)
if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _v REGEX "#define CAF_VERSION [0-9]+")
  string(REGEX MATCH "[0-9]+" _v "${_v}")
  math(EXPR _ma "${_v} / 10000")
  math(EXPR _mi "(${_v} / 100) % 100")
  math(EXPR _pa "${_v} % 100")
  set(CAF_VERSION "${_ma}.${_mi}.${_pa}")
endif()
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
foreach(comp IN LISTS CAF_FIND_COMPONENTS)
  string(TOUPPER ${comp} UC)
  find_library(CAF_${UC}_LIBRARY NAMES caf_${comp})
  if(CAF_${UC}_LIBRARY)
    set(CAF_${comp}_FOUND TRUE)
    if(NOT TARGET CAF::${comp})
      add_library(CAF::${comp} UNKNOWN IMPORTED)
      set(_deps Threads::Threads)
      if(NOT comp STREQUAL "core")
        list(APPEND _deps CAF::core)
      endif()
      set_target_properties(CAF::${comp} PROPERTIES
        IMPORTED_LOCATION "${CAF_${UC}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
        INTERFACE_LINK_LIBRARIES "${_deps}")
    endif()
  endif()
endforeach()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CAF REQUIRED_VARS CAF_INCLUDE_DIR
  VERSION_VAR CAF_VERSION HANDLE_COMPONENTS)
