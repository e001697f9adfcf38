# Install rules and the Debian package, included once from CMakeLists.txt:
#   cmake --install BUILD [--prefix P]   (DESTDIR=... for a staging root)
#   cpack -G DEB  (in BUILD, or cpack --config BUILD/CPackConfig.cmake -B OUT)
# Installed: bin/logcatch, its man page, the systemd unit
# (lib/systemd/system), the default config (/etc/logcatch for prefix /usr,
# else PREFIX/etc/logcatch), README, example configs and the output's
# logrotate stanza (share/doc/logcatch).
# logcatch-bench is not installed: it is a development tool that drives a
# build tree's logcatch, not something a host that collects logs runs.

include(GNUInstallDirs)

# The man page: help2man over the built binary (cmake/ManPage.cmake).
find_program(LOGCATCH_HELP2MAN help2man)
if(LOGCATCH_HELP2MAN)
  set(LOGCATCH_MAN_PAGE ${PROJECT_BINARY_DIR}/packaging/logcatch.1)
  add_custom_command(OUTPUT ${LOGCATCH_MAN_PAGE}
    COMMAND ${CMAKE_COMMAND} -DLOGCATCH=$<TARGET_FILE:logcatch> -DHELP2MAN=${LOGCATCH_HELP2MAN}
      -DINCLUDE=${PROJECT_SOURCE_DIR}/packaging/logcatch.h2m -DOUTPUT=${LOGCATCH_MAN_PAGE}
      -P ${PROJECT_SOURCE_DIR}/cmake/ManPage.cmake
    DEPENDS logcatch ${PROJECT_SOURCE_DIR}/packaging/logcatch.h2m ${PROJECT_SOURCE_DIR}/cmake/ManPage.cmake
    COMMENT "Generating the logcatch(1) man page with help2man"
    VERBATIM)
  add_custom_target(logcatch_man ALL DEPENDS ${LOGCATCH_MAN_PAGE})
  install(FILES ${LOGCATCH_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man not found: no man page is built or installed (scripts/setup.sh installs it)")
endif()

install(TARGETS logcatch RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
  FILES_MATCHING PATTERN "*.yaml")
# A logrotate stanza for the output, to copy to /etc/logrotate.d (not
# installed there: which file the sink writes is the admin's choice).
install(FILES packaging/logcatch.logrotate DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
# The unit and the config depend on the prefix given at install time.
install(CODE "
  set(LOGCATCH_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(LOGCATCH_BINARY_DIR \"${PROJECT_BINARY_DIR}\")
  set(LOGCATCH_INSTALL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(LOGCATCH_INSTALL_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/InstallService.cmake\")")

# The .deb. Its prefix is /usr, so the config lands in /etc/logcatch, which
# is what packaging/deb/conffiles names.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME logcatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "log collector that delivers every line exactly once")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "logcatch follows log files like tail -F and delivers every line written\n"
  "to them exactly once, in order, to stdout, a file or a remote aggregator,\n"
  "while the files rotate and its own tailers crash (C++ Actor Framework).\n"
  "It comes with a sandboxed systemd unit, logcatch.service, which is not\n"
  "enabled on install: edit /etc/logcatch/logcatch.yaml first.")
if(NOT CPACK_PACKAGE_CONTACT)
  set(CPACK_PACKAGE_CONTACT "logcatch maintainers <logcatch@localhost>")
endif()
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the binary's shared libraries when dpkg-shlibdeps (dpkg-dev) is
# there, else the libraries it links today, by hand.
find_program(LOGCATCH_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(LOGCATCH_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6, libstdc++6, libcaf-core0.17, libcaf-io0.17, libcaf-openssl0.17, libyaml-cpp0.7, libspdlog1.10, libcpp-httplib0.11")
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/deb/conffiles
  ${PROJECT_SOURCE_DIR}/packaging/deb/postinst
  ${PROJECT_SOURCE_DIR}/packaging/deb/prerm
  ${PROJECT_SOURCE_DIR}/packaging/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
