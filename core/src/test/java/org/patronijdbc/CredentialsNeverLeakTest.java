package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.patronijdbc.internal.PatroniConfig;

/**
 * Passwords never appear in logs (captured at TRACE), exception messages or any toString(), while
 * connecting with them in the URL and in properties, through the driver and the data source, to
 * members that refuse connections and with bad configuration.
 */
class CredentialsNeverLeakTest {

  private static final List<String> SECRETS =
      List.of("url-s3cret", "props-s3cret", "rest-s3cret", "reader-s3cret");

  @Test
  void noPasswordInLogsMessagesOrToString() throws Exception {
    List<String> texts = new ArrayList<>();
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              return new MockResponse.Builder()
                  .body(
                      "{\"scope\": \"secrets\", \"members\": [{\"name\": \"n1\", \"role\": \"leader\","
                          + " \"state\": \"running\", \"host\": \"127.0.0.1\", \"port\": 1}]}")
                  .build();
            }
          });
      server.start(InetAddress.getByName("127.0.0.1"), 0);
      System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
      String url =
          "jdbc:patroni:postgresql://127.0.0.1:1/db?user=app&password=url-s3cret"
              + "&readOnlyUser=reader"
              + "&readOnlyPassword=reader-s3cret&failoverTimeoutMs=1200&patroniUrls=http://127.0.0.1:"
              + server.getPort();

      try (PatroniDataSource ds = new PatroniDataSource(url)) {
        texts.add(ds.toString());
        texts.add(messages(catchThrowable(ds::getConnection)));
        texts.add(messages(catchThrowable(() -> ds.readOnly().getConnection())));
        texts.add(String.valueOf(ds.topology()));
        texts.add(ds.readOnly().toString());
      }
      Properties props = new Properties();
      props.setProperty("user", "app");
      props.setProperty("password", "props-s3cret");
      String driverUrl =
          "jdbc:patroni:postgresql://127.0.0.1:1/db?failoverTimeoutMs=1200&patroniUrls=http://127.0.0.1:"
              + server.getPort();
      texts.add(messages(catchThrowable(() -> DriverManager.getConnection(driverUrl, props))));
      texts.add(PatroniConfig.parse(driverUrl, props).toString());
      texts.add(PatroniConfig.parse(driverUrl, props).security().toString());
      texts.add(
          messages(
              catchThrowable(() -> PatroniConfig.parse(url + "&targetServerType=leader", props))));
      texts.add(
          messages(
              catchThrowable(
                  () ->
                      PatroniConfig.parse(
                          "jdbc:patroni:postgresql:/x?password=url-s3cret", props))));
      texts.add(
          messages(
              catchThrowable(() -> PatroniConfig.parse(driverUrl + "&patroniPassword=", props))));
      // Basic credentials over http are refused at configuration time, without echoing them
      texts.add(
          messages(
              catchThrowable(
                  () ->
                      DriverManager.getConnection(
                          driverUrl + "&patroniUser=patroni&patroniPassword=rest-s3cret", props))));
      texts.add(
          messages(
              catchThrowable(
                  () ->
                      PatroniConfig.parse(
                          "jdbc:patroni:postgresql://app:url-s3cret@127.0.0.1/db", props))));
      texts.add(
          messages(
              catchThrowable(
                  () ->
                      PatroniConfig.parse(
                          "jdbc:patroni:postgresql://127.0.0.1/db?patroniUrls="
                              + "http://admin:rest-s3cret@127.0.0.1:8008",
                          props))));
      texts.add(
          messages(
              catchThrowable(
                  () ->
                      PatroniConfig.parse(
                          "jdbc:patroni:postgresql://127.0.0.1/db?sslPassword=props-s3cret"
                              + "&targetServerType=nope",
                          props))));
    } finally {
      System.setErr(originalErr);
    }
    String logged = logs.toString(StandardCharsets.UTF_8);

    assertThat(logged)
        .contains("DEBUG")
        .contains("127.0.0.1:1"); // captured at TRACE: everything logged
    assertThat(texts).anyMatch(t -> t.contains("08001") || t.contains("No member"));
    for (String secret : SECRETS) {
      assertThat(logged).as("logs").doesNotContain(secret);
      assertThat(texts).as("messages and toString()").noneMatch(t -> t.contains(secret));
    }
  }

  private static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c).append(" | ");
      if (c instanceof java.sql.SQLException sql) {
        sb.append(sql.getSQLState()).append(" | ");
      }
    }
    return sb.toString();
  }
}
