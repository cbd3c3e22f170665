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

  private static void executable(Path file) throws Exception {
    Files.createDirectories(file.getParent());
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
  }
}
