package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.List;
import java.util.OptionalLong;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.patronijdbc.routing.ReplicaSelection;
import org.patronijdbc.routing.TargetServerType;

class PatroniConfigTest {

  private static PatroniConfig parse(String url) throws SQLException {
    return PatroniConfig.parse(url, new Properties());
  }

  @Test
  void readsHostsPortsDatabaseAndDefaults() throws Exception {
    PatroniConfig config = parse("jdbc:patroni:postgresql://h1:5433,h2,h3:6000/app");

    assertThat(config.hosts()).containsExactly("h1:5433", "h2:5432", "h3:6000");
    assertThat(config.database()).isEqualTo("app");
    assertThat(config.endpoints())
        .containsExactly("http://h1:8008", "http://h2:8008", "http://h3:8008");
    assertThat(config.targetServerType()).isEqualTo(TargetServerType.PRIMARY);
    assertThat(config.topologyRefreshMs()).isEqualTo(1000);
    assertThat(config.patroniTimeoutMs()).isEqualTo(1000);
    assertThat(config.failoverTimeoutMs()).isEqualTo(30000);
    assertThat(config.maxReplicationLagBytes()).isEmpty();
    assertThat(config.readFallbackToPrimary()).isTrue();
    assertThat(config.replicaSelection()).isEqualTo(ReplicaSelection.ROUND_ROBIN);
    assertThat(config.discoverMembers()).isTrue();
  }

  @Test
  void passesPropertiesThatAreNotOursToPgjdbcAndKeepsOursBack() throws Exception {
    Properties info = new Properties();
    info.setProperty("user", "app");
    info.setProperty("password", "s3cret");
    PatroniConfig config =
        PatroniConfig.parse(
            "jdbc:patroni:postgresql://h1/app?sslmode=require&targetServerType=replica"
                + "&patroniPort=8443&maxReplicationLag=16MB",
            info);

    assertThat(config.pgProperties())
        .containsEntry("user", "app")
        .containsEntry("password", "s3cret")
        .containsEntry("sslmode", "require")
        .doesNotContainKeys("targetServerType", "patroniPort", "maxReplicationLag", "PGHOST");
    assertThat(config.targetServerType()).isEqualTo(TargetServerType.REPLICA);
    assertThat(config.endpoints()).containsExactly("http://h1:8443");
    assertThat(config.maxReplicationLagBytes()).isEqualTo(OptionalLong.of(16L << 20));
    assertThat(config.toString()).doesNotContain("s3cret");
  }

  @Test
  void urlParametersWinOverProperties() throws Exception {
    Properties info = new Properties();
    info.setProperty("targetServerType", "replica");
    assertThat(
            PatroniConfig.parse("jdbc:patroni:postgresql://h/db?targetServerType=any", info)
                .targetServerType())
        .isEqualTo(TargetServerType.ANY);
  }

  @Test
  void explicitRestEndpointsReplaceTheDerivedOnes() throws Exception {
    PatroniConfig config =
        parse("jdbc:patroni:postgresql://h1/db?patroniUrls=http://r1:9000/,http://r2:9001");

    assertThat(config.endpoints()).containsExactly("http://r1:9000", "http://r2:9001");
  }

  @Test
  void sizesReadLikePatronisLagParameter() throws Exception {
    assertThat(PatroniConfig.parseSize("1048576")).isEqualTo(OptionalLong.of(1048576));
    assertThat(PatroniConfig.parseSize("10kB")).isEqualTo(OptionalLong.of(10240));
    assertThat(PatroniConfig.parseSize("16MB")).isEqualTo(OptionalLong.of(16L << 20));
    assertThat(PatroniConfig.parseSize("2GB")).isEqualTo(OptionalLong.of(2L << 30));
    assertThatThrownBy(() -> PatroniConfig.parseSize("lots"))
        .hasMessageContaining("maxReplicationLag")
        .hasMessageContaining("'lots'")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
  }

  @Test
  void rejectsBadValuesNamingThePropertyValueAndChoices() {
    for (String bad :
        List.of(
            "targetServerType=leader",
            "replicaSelection=fastest",
            "readFallbackToPrimary=maybe",
            "topologyRefreshMs=-5",
            "failoverTimeoutMs=soon",
            "patroniPort=70000")) {
      String name = bad.substring(0, bad.indexOf('='));
      String value = bad.substring(bad.indexOf('=') + 1);
      assertThatThrownBy(() -> parse("jdbc:patroni:postgresql://h/db?" + bad))
          .as(bad)
          .isInstanceOf(SQLException.class)
          .hasMessageContaining(name)
          .hasMessageContaining(value)
          .hasMessageContaining("expected")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
    }
  }

  @Test
  void rejectsMalformedUrlsShowingTheExpectedFormWithoutThePassword() {
    for (String url :
        List.of(
            "jdbc:patroni:mysql://h/db",
            "jdbc:patroni:postgresql:/h/db?password=hunter2",
            "jdbc:patroni:postgresql://h:0/db?password=hunter2",
            "jdbc:patroni:postgresql://bad host/db")) {
      assertThatThrownBy(() -> parse(url))
          .as(url)
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("expected jdbc:patroni:postgresql://host1[:port]")
          .hasMessageNotContaining("hunter2")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
    }
  }

  @Test
  void refusesPlainHttpEndpointsWhenTlsIsConfigured() {
    assertThatThrownBy(
            () ->
                parse(
                    "jdbc:patroni:postgresql://h/db?patroniSslRootCert=/nonexistent.pem"
                        + "&patroniUrls=http://h:8008"))
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
  }

  @Test
  void derivedEndpointsUseHttpsWhenTlsIsConfigured() {
    // The missing CA file is reported; nothing falls back to http.
    assertThatThrownBy(
            () -> parse("jdbc:patroni:postgresql://h/db?patroniSslRootCert=/nonexistent.pem"))
        .hasMessageContaining("/nonexistent.pem");
  }

  @Test
  void readOnlyUserAppliesToReplicaReadsOnly() throws Exception {
    Properties info = new Properties();
    info.setProperty("user", "app");
    info.setProperty("password", "pw");
    PatroniConfig config =
        PatroniConfig.parse(
            "jdbc:patroni:postgresql://h/db?readOnlyUser=reader&readOnlyPassword=rpw", info);

    assertThat(config.connectionProperties(TargetServerType.REPLICA))
        .containsEntry("user", "reader")
        .containsEntry("password", "rpw");
    assertThat(config.connectionProperties(TargetServerType.PRIMARY))
        .containsEntry("user", "app")
        .containsEntry("password", "pw");
  }

  @Test
  void rejectsPatroniUrlsPortsOutsideOneTo65535() {
    for (String port : List.of("0", "65536", "99999")) {
      assertThatThrownBy(() -> parse("jdbc:patroni:postgresql://h/db?patroniUrls=http://h:" + port))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("patroniUrls")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
    }
  }

  @Test
  void refusesBasicCredentialsOverPlainHttp() throws Exception {
    for (String url :
        List.of(
            "jdbc:patroni:postgresql://h/db?patroniUser=u&patroniPassword=pw",
            "jdbc:patroni:postgresql://h/db?patroniUser=u&patroniPassword=pw"
                + "&patroniUrls=https://h:8008,http://h2:8008")) {
      assertThatThrownBy(() -> parse(url))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("patroniUser")
          .hasMessageContaining("Basic credentials need https")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
    }
    assertThat(
            parse(
                    "jdbc:patroni:postgresql://h/db?patroniUser=u&patroniPassword=pw"
                        + "&patroniUrls=https://h:8008")
                .security()
                .user())
        .isEqualTo("u");
  }

  @Test
  void masksUserInfoAndPasswordParametersInMessages() {
    assertThat(Secrets.mask("jdbc:patroni:postgresql://app:secret@h1/db"))
        .isEqualTo("jdbc:patroni:postgresql://app:***@h1/db");
    assertThat(Secrets.mask("http://admin:secret@h1:8008,https://h2:8008"))
        .isEqualTo("http://admin:***@h1:8008,https://h2:8008");
    assertThat(Secrets.mask("x?password=a&sslPassword=b&PATRONIPASSWORD=c&user=d"))
        .isEqualTo("x?password=***&sslPassword=***&PATRONIPASSWORD=***&user=d");
    assertThat(Secrets.mask("jdbc:patroni:postgresql://h1:5432,h2:5432/db"))
        .isEqualTo("jdbc:patroni:postgresql://h1:5432,h2:5432/db");
    // a password holding '/' or '@' is masked whole
    assertThat(Secrets.mask("jdbc:patroni:postgresql://app:se/cr@et@h1/db?x=1"))
        .isEqualTo("jdbc:patroni:postgresql://app:***@h1/db?x=1");
    // ... and so is one holding '?', '#', ',' or ';'
    assertThat(Secrets.mask("jdbc:patroni:postgresql://app:se?c#r,e;t@h1/db"))
        .isEqualTo("jdbc:patroni:postgresql://app:***@h1/db");
    // values holding ',', ';', '%xx' or '=' are masked up to the next '&'
    assertThat(Secrets.mask("h?password=ab,cd;e%26f=g&user=u")).isEqualTo("h?password=***&user=u");
    assertThat(Secrets.mask("{password=ab,cd, user=u}")).isEqualTo("{password=*** user=u}");
    assertThat(Secrets.mask("h?pass%77ord=secret")).isEqualTo("h?pass%77ord=***");
    assertThatThrownBy(() -> parse("jdbc:patroni:postgresql://app:se/cret@h1/db"))
        .hasMessageNotContaining("cret")
        .hasMessageContaining("user:password@");
    assertThatThrownBy(() -> parse("jdbc:patroni:postgresql://app:secret@h1/db"))
        .hasMessageNotContaining("secret")
        .hasMessageContaining("user:password@");
    assertThatThrownBy(
            () -> parse("jdbc:patroni:postgresql://h1/db?patroniUrls=http://admin:secret@h1:8008"))
        .hasMessageNotContaining("secret")
        .hasMessageContaining("patroniUrls");
  }

  @Test
  void passesPercentEncodedDatabaseNamesToPgjdbcUnmangled() throws Exception {
    PatroniConfig config = parse("jdbc:patroni:postgresql://h1/my%3Fdb%26x%20y%2Fz");

    assertThat(config.database()).isEqualTo("my?db&x y/z");
    String pgUrl = Logins.pgUrl("h1:5432", config.database());
    assertThat(org.postgresql.Driver.parseURL(pgUrl, new Properties()).getProperty("PGDBNAME"))
        .isEqualTo("my?db&x y/z");
  }

  @Test
  void keysForSharingHoldNoPassword() throws Exception {
    Properties info = new Properties();
    info.setProperty("password", "s3cret-one");
    info.setProperty("sslPassword", "s3cret-two");
    String url =
        "jdbc:patroni:postgresql://h/db?readOnlyUser=r&readOnlyPassword=s3cret-three"
            + "&patroniUser=u&patroniPassword=s3cret-four&patroniUrls=https://h:8008";
    PatroniConfig config = PatroniConfig.parse(url, info);
    Properties rotated = new Properties();
    rotated.setProperty("password", "s3cret-five");

    assertThat(Secrets.keyWithoutSecrets(url, info).toString()).doesNotContain("s3cret");
    assertThat(MonitorKey.of(config).toString()).doesNotContain("s3cret");
    assertThat(Secrets.keyWithoutSecrets(url, info))
        .isEqualTo(Secrets.keyWithoutSecrets(url, (Properties) info.clone()));
    assertThat(Secrets.keyWithoutSecrets(url, info))
        .isNotEqualTo(Secrets.keyWithoutSecrets(url, rotated))
        .isNotEqualTo(Secrets.keyWithoutSecrets(url.replace("three", "six"), info));
    assertThat(MonitorKey.of(config)).isEqualTo(MonitorKey.of(PatroniConfig.parse(url, rotated)));
  }

  @Test
  void hostNamesAsPostgresAndPatroniTakeThemAndSizesThatDoNotOverflow() throws Exception {
    assertThat(parse("jdbc:patroni:postgresql://pg_1:5432,[fe80::1%25eth0]:5433/db").hosts())
        .containsExactly("pg_1:5432", "[fe80::1%eth0]:5433");
    assertThatThrownBy(() -> parse("jdbc:patroni:postgresql://h/db?maxReplicationLag=8589934592GB"))
        .hasMessageContaining("maxReplicationLag");
    assertThat(
            parse("jdbc:patroni:postgresql://h/db?maxReplicationLag=16MB").maxReplicationLagBytes())
        .hasValue(16L << 20);
  }

  @Test
  void aUrlWithoutADatabaseIsRefusedBeforePgjdbcSeesIt() {
    assertThatThrownBy(() -> parse("jdbc:patroni:postgresql://h:5432?password=nodb-secret"))
        .hasMessageContaining("/database")
        .hasMessageNotContaining("nodb-secret");
  }

  @Test
  void passwordParametersReachPgjdbcDecodedThoughNotThroughItsUrlParser() throws Exception {
    PatroniConfig config =
        parse("jdbc:patroni:postgresql://h/db?password=a%26b%3Dc&sslpassword=x,y;z&user=u");

    assertThat(config.pgProperties().getProperty("password")).isEqualTo("a&b=c");
    assertThat(config.pgProperties().getProperty("sslpassword")).isEqualTo("x,y;z");
    assertThat(config.pgProperties().getProperty("user")).isEqualTo("u");
    assertThat(config.url()).doesNotContain("a%26b").doesNotContain("x,y;z");
  }
}
