package org.patronijdbc.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Starts, signals and finds the cluster's processes.
 *
 * <p>PostgreSQL refuses to run as root, so when the JVM is root every process runs as {@link
 * #UNPRIVILEGED_USER} through {@code setpriv}, which execs the command: the PID Java sees is the
 * program's own, so signals reach it directly.
 */
final class Processes {

  static final String UNPRIVILEGED_USER = "postgres";

  private Processes() {}

  static boolean runningAsRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Starts {@code command} in {@code workDir}, output appended to {@code log}. */
  static Process spawn(List<String> command, Path workDir, Path log) throws IOException {
    List<String> full = new ArrayList<>();
    if (runningAsRoot()) {
      full.addAll(
          List.of(
              "setpriv",
              "--reuid=" + UNPRIVILEGED_USER,
              "--regid=" + UNPRIVILEGED_USER,
              "--init-groups",
              "--"));
    }
    full.addAll(command);
    ProcessBuilder builder =
        new ProcessBuilder(full)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = builder.environment();
    env.put("HOME", workDir.toString());
    env.keySet()
        .removeIf(k -> k.startsWith("PG") || k.startsWith("PATRONI") || k.startsWith("ETCD"));
    return builder.start();
  }

  /** Hands {@code dir} and everything below it to the user the cluster runs as. */
  static void handOver(Path dir) throws IOException {
    if (!runningAsRoot()) {
      return;
    }
    UserPrincipalLookupService lookup = dir.getFileSystem().getUserPrincipalLookupService();
    UserPrincipal user;
    GroupPrincipal group;
    try {
      user = lookup.lookupPrincipalByName(UNPRIVILEGED_USER);
      group = lookup.lookupPrincipalByGroupName(UNPRIVILEGED_USER);
    } catch (IOException e) {
      throw new IllegalStateException(
          "testkit runs the cluster as user '"
              + UNPRIVILEGED_USER
              + "' when the JVM is root, but that user does not exist; "
              + Binaries.INSTALL_HINT,
          e);
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        view.setOwner(user);
        view.setGroup(group);
      }
    }
  }

  /** Sends {@code signal} (e.g. {@code STOP}, {@code CONT}, {@code KILL}) to each live PID. */
  static void signal(String signal, List<Long> pids) {
    List<String> live =
        pids.stream()
            .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
            .map(String::valueOf)
            .toList();
    if (live.isEmpty()) {
      return;
    }
    List<String> command = new ArrayList<>(List.of("kill", "-s", signal));
    command.addAll(live);
    try {
      Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
      kill.getInputStream().readAllBytes(); // a PID that exited meanwhile is not an error here
      kill.waitFor();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kill -s " + signal, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The PID and every descendant of it, parents first. */
  static List<Long> withDescendants(long pid) {
    List<Long> all = new ArrayList<>();
    ProcessHandle.of(pid)
        .ifPresent(
            p -> {
              all.add(p.pid());
              p.descendants().forEach(d -> all.add(d.pid()));
            });
    return all;
  }

  /** Live processes whose command line matches, e.g. one that names the cluster's directory. */
  static List<Long> matching(Predicate<String> commandLine) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.pid() != ProcessHandle.current().pid())
        .filter(p -> commandLineOf(p.pid()).map(commandLine::test).orElse(false))
        .map(ProcessHandle::pid)
        .toList();
  }

  /**
   * Reads the command line from /proc: unlike {@code ProcessHandle.Info} it also shows the titles
   * PostgreSQL gives its backends ({@code postgres: scope: checkpointer}).
   */
  static java.util.Optional<String> commandLineOf(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline"));
      return java.util.Optional.of(
          new String(raw, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').trim());
    } catch (IOException | SecurityException e) {
      return java.util.Optional.empty();
    }
  }

  /** Waits until none of the PIDs is alive. */
  static boolean awaitExit(List<Long> pids, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (pids.stream()
          .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))) {
        return true;
      }
      sleep(Duration.ofMillis(50));
    }
    return false;
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
