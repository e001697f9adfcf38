# Runs at install time (cmake --install, cpack), from cmake/Packaging.cmake:
# installs the systemd unit and the default config for this install's prefix,
# which is only known now (cmake --install --prefix P; cpack uses /usr).
# packaging/logcatch.service carries the .deb's paths; another prefix gets
# its own binary and config paths written into the unit.
#   in: LOGCATCH_SOURCE_DIR, LOGCATCH_BINARY_DIR, LOGCATCH_INSTALL_BINDIR,
#       LOGCATCH_INSTALL_SYSCONFDIR (GNUInstallDirs' relative defaults or absolute)

set(prefix "${CMAKE_INSTALL_PREFIX}")
if(IS_ABSOLUTE "${LOGCATCH_INSTALL_BINDIR}")
  set(bindir "${LOGCATCH_INSTALL_BINDIR}")
else()
  set(bindir "${prefix}/${LOGCATCH_INSTALL_BINDIR}")
endif()
# As GNUInstallDirs does: prefix /usr keeps its config in /etc.
if(IS_ABSOLUTE "${LOGCATCH_INSTALL_SYSCONFDIR}")
  set(confdir "${LOGCATCH_INSTALL_SYSCONFDIR}/logcatch")
elseif(prefix STREQUAL "/usr")
  set(confdir "/etc/logcatch")
else()
  set(confdir "${prefix}/${LOGCATCH_INSTALL_SYSCONFDIR}/logcatch")
endif()

# The unit, written to a folder of this run's own (installs may run side by
# side) and installed from there, so DESTDIR and the manifest are handled.
file(READ "${LOGCATCH_SOURCE_DIR}/packaging/logcatch.service" unit)
string(REPLACE "ExecStart=/usr/bin/logcatch " "ExecStart=${bindir}/logcatch " unit "${unit}")
string(REPLACE " --config /etc/logcatch/" " --config ${confdir}/" unit "${unit}")
string(RANDOM LENGTH 12 run_id)
set(staging "${LOGCATCH_BINARY_DIR}/packaging/install-${run_id}")
file(WRITE "${staging}/logcatch.service" "${unit}")
file(INSTALL "${staging}/logcatch.service" DESTINATION "${prefix}/lib/systemd/system"
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(REMOVE_RECURSE "${staging}")

# The config is the admin's once installed: a second `cmake --install` keeps
# it (the .deb marks it a conffile, so dpkg asks instead).
if(EXISTS "$ENV{DESTDIR}${confdir}/logcatch.yaml")
  message(STATUS "Keeping: $ENV{DESTDIR}${confdir}/logcatch.yaml")
else()
  file(INSTALL "${LOGCATCH_SOURCE_DIR}/packaging/logcatch.yaml" DESTINATION "${confdir}"
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()
