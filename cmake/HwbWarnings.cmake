# Warnings for the project's own targets only (LibTorch and Qt headers are system includes).
function(hwb_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
endfunction()
