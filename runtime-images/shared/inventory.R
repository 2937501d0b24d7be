# Writes the R version and every installed package with its version as JSON, for /system.
packages <- installed.packages(fields = "Priority")
rows <- vapply(seq_len(nrow(packages)), function(i) {
  sprintf('{"name":"%s","version":"%s","priority":"%s","library":"%s"}',
          packages[i, "Package"], packages[i, "Version"],
          ifelse(is.na(packages[i, "Priority"]), "", packages[i, "Priority"]),
          packages[i, "LibPath"])
}, character(1))
cat(sprintf('{"r_version":"%s","platform":"%s","packages":[%s]}\n',
            paste(R.version$major, R.version$minor, sep = "."), R.version$platform,
            paste(rows, collapse = ",")))
