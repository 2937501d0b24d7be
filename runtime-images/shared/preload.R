# Profile of a warm container's R: loads, without attaching, the namespaces named in
# R_RUNNER_PRELOAD, so that a script's library() calls find them already in memory.
local({
  packages <- strsplit(Sys.getenv("R_RUNNER_PRELOAD"), "[[:space:],]+")[[1]]
  for (package in packages[nzchar(packages)]) {
    tryCatch(loadNamespace(package), error = function(e) NULL)
  }
})
