package org.patronijdbc.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the installed etcd, Patroni and PostgreSQL binaries are, or an error saying what to
 * install.
 */
record Binaries(Path etcd, Path patroni, Path postgresBinDir) {

  static final String INSTALL_HINT =
      "install them with: apt-get install -y postgresql patroni etcd-server";

  /** Names the Patroni to run instead of the one on {@code PATH}, e.g. an unpacked 4.0. */
  static final String PATRONI_ENV = "PATRONI_TESTKIT_PATRONI";

  private static final Map<Path, Integer> MAJORS = new ConcurrentHashMap<>();

  /** This binary set with another Patroni. */
  Binaries withPatroni(Path other) {
    if (!Files.isExecutable(other)) {
      throw new IllegalStateException("testkit cannot run Patroni " + other + ": not executable");
    }
    return new Binaries(etcd, other, postgresBinDir);
  }

  /** Patroni's major version, from {@code patroni --version} ({@code patroni 4.0.7}). */
  int patroniMajor() {
    return MAJORS.computeIfAbsent(
        patroni,
        p -> {
          try {
            Process version =
                new ProcessBuilder(p.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(version.getInputStream().readAllBytes()).trim();
            version.waitFor();
            Matcher m = Pattern.compile("(\\d+)\\.\\d+").matcher(out);
            if (!m.find()) {
              throw new IllegalStateException(p + " --version said: " + out);
            }
            return Integer.parseInt(m.group(1));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        });
  }

  /**
   * Why this Patroni cannot run a quorum commit cluster, or empty when it can: {@code
   * synchronous_mode: quorum} came with Patroni 4.
   */
  Optional<String> whyNoQuorumCommit() {
    int major = patroniMajor();
    if (major >= 4) {
      return Optional.empty();
    }
    return Optional.of(
        "quorum commit (synchronous_mode: quorum) needs Patroni 4 or later, but "
            + patroni
            + " is Patroni "
            + major
            + "; point "
            + PATRONI_ENV
            + " (or builder().patroni(path)) at a Patroni 4");
  }

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
    Binaries found = locate(dirs, Path.of("/usr/lib/postgresql"));
    String chosen = System.getenv(PATRONI_ENV);
    return chosen == null || chosen.isBlank() ? found : found.withPatroni(Path.of(chosen));
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
