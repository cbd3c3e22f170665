package org.patronijdbc.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where the installed etcd, Patroni and PostgreSQL binaries are, or an error saying what to
 * install.
 */
record Binaries(Path etcd, Path patroni, Path postgresBinDir) {

  static final String INSTALL_HINT =
      "install them with: apt-get install -y postgresql patroni etcd-server";

  /** Finds the binaries on {@code PATH} and in Debian's PostgreSQL directories. */
  static Binaries locate() {
    String path = System.getenv().getOrDefault("PATH", "");
    List<Path> dirs = new ArrayList<>();
    for (String dir : path.split(":")) {
      if (!dir.isEmpty()) {
        dirs.add(Path.of(dir));
      }
    }
    dirs.add(Path.of("/usr/bin"));
    dirs.add(Path.of("/usr/sbin"));
    return locate(dirs, Path.of("/usr/lib/postgresql"));
  }

  static Binaries locate(List<Path> searchPath, Path postgresqlRoot) {
    List<String> missing = new ArrayList<>();
    Optional<Path> etcd = find(searchPath, "etcd");
    Optional<Path> patroni = find(searchPath, "patroni");
    Optional<Path> pgBin = newestPostgres(postgresqlRoot);
    etcd.ifPresentOrElse(p -> {}, () -> missing.add("etcd (package etcd-server)"));
    patroni.ifPresentOrElse(p -> {}, () -> missing.add("patroni (package patroni)"));
    pgBin.ifPresentOrElse(
        p -> {},
        () ->
            missing.add(
                "PostgreSQL server binaries under " + postgresqlRoot + " (package postgresql)"));
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "testkit cannot start a Patroni cluster, missing: "
              + String.join(", ", missing)
              + "; "
              + INSTALL_HINT);
    }
    return new Binaries(etcd.get(), patroni.get(), pgBin.get());
  }

  private static Optional<Path> find(List<Path> dirs, String name) {
    return dirs.stream().map(d -> d.resolve(name)).filter(Files::isExecutable).findFirst();
  }

  /** Debian installs each major version in /usr/lib/postgresql/N/bin; the newest one wins. */
  private static Optional<Path> newestPostgres(Path root) {
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .filter(v -> v.getFileName().toString().matches("\\d+"))
          .filter(v -> Files.isExecutable(v.resolve("bin/postgres")))
          .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
          .map(v -> v.resolve("bin"));
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }
}
