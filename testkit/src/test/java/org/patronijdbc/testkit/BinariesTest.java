package org.patronijdbc.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BinariesTest {

  @Test
  void namesTheAptPackagesOfEveryMissingBinary(@TempDir Path empty) {
    assertThatThrownBy(() -> Binaries.locate(List.of(empty), empty.resolve("postgresql")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("etcd (package etcd-server)")
        .hasMessageContaining("patroni (package patroni)")
        .hasMessageContaining("(package postgresql)")
        .hasMessageContaining("apt-get install -y postgresql patroni etcd-server");
  }

  @Test
  void picksTheNewestPostgresqlVersion(@TempDir Path dir) throws Exception {
    executable(dir.resolve("bin/etcd"));
    executable(dir.resolve("bin/patroni"));
    executable(dir.resolve("pg/9/bin/postgres"));
    executable(dir.resolve("pg/15/bin/postgres"));
    executable(dir.resolve("pg/13/bin/postgres"));

    Binaries found = Binaries.locate(List.of(dir.resolve("bin")), dir.resolve("pg"));

    assertThat(found.postgresBinDir()).isEqualTo(dir.resolve("pg/15/bin"));
    assertThat(found.patroni()).isEqualTo(dir.resolve("bin/patroni"));
  }

  @Test
  void quorumCommitNeedsPatroni4(@TempDir Path dir) throws Exception {
    Binaries patroni3 = binariesWithPatroni(dir.resolve("3/patroni"), "patroni 3.0.2");
    Binaries patroni4 = binariesWithPatroni(dir.resolve("4/patroni"), "patroni 4.0.7");

    assertThat(patroni3.whyNoQuorumCommit())
        .hasValueSatisfying(
            why ->
                assertThat(why)
                    .contains("quorum commit (synchronous_mode: quorum) needs Patroni 4")
                    .contains("is Patroni 3")
                    .contains(Binaries.PATRONI_ENV));
    assertThat(patroni4.whyNoQuorumCommit()).isEmpty();
  }

  /** Binaries whose Patroni is a script answering {@code --version} with {@code version}. */
  private static Binaries binariesWithPatroni(Path launcher, String version) throws Exception {
    executable(launcher);
    Files.writeString(launcher, "#!/bin/sh\necho '" + version + "'\n");
    return new Binaries(launcher.resolveSibling("etcd"), launcher, launcher.getParent());
  }

  private static void executable(Path file) throws Exception {
    Files.createDirectories(file.getParent());
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
  }
}
