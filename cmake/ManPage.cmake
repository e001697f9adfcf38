# Writes the logcatch(1) man page; run by cmake/Packaging.cmake as
#   cmake -DLOGCATCH=BINARY -DHELP2MAN=help2man -DINCLUDE=packaging/logcatch.h2m
#         -DOUTPUT=logcatch.1 -P cmake/ManPage.cmake
# help2man turns `logcatch --help` and `--version` into the page; the sections
# it cannot know come from INCLUDE, and a COMMANDS section is made here of each
# subcommand's own --help, so every option the binary has is in the page
# without being written down twice.

function(help_of out)
  execute_process(COMMAND "${LOGCATCH}" ${ARGN} --help
    OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${LOGCATCH} ${ARGN} --help exited with ${rc}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# The subcommands: the lines "  NAME  description" after "Subcommands:".
help_of(top)
string(FIND "${top}" "\nSubcommands:\n" at)
if(at LESS 0)
  message(FATAL_ERROR "no 'Subcommands:' in `${LOGCATCH} --help`")
endif()
string(SUBSTRING "${top}" ${at} -1 listing)
string(REGEX MATCHALL "\n  [a-z][a-z0-9-]*" names "${listing}")

set(commands "")
foreach(name IN LISTS names)
  string(STRIP "${name}" name)
  help_of(text ${name})
  # roff: a backslash is \e, a hyphen in an option is \-, and a line may not
  # start with a control character.
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  string(APPEND commands ".SS \"logcatch ${name}\"\n.nf\n${text}.fi\n")
endforeach()

file(READ "${INCLUDE}" sections)
file(WRITE "${OUTPUT}.h2m" "${sections}\n[COMMANDS]\n${commands}")
execute_process(COMMAND "${HELP2MAN}" --no-info --include "${OUTPUT}.h2m"
    --output "${OUTPUT}" "${LOGCATCH}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed (${rc}) on ${LOGCATCH}")
endif()
