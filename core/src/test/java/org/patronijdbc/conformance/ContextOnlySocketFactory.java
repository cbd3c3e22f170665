package org.patronijdbc.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A {@code javax.net.SocketFactory} that only a thread's context class loader can see: compiled at
 * run time into a temporary directory and loaded by a class loader of its own, as an application
 * server's web application would hold it. It counts its instances and the sockets it made.
 */
final class ContextOnlySocketFactory {

  /** The class name to give pgjdbc's {@code socketFactory}. */
  static final String NAME = "conformance.runtime.CountingSocketFactory";

  private static final String SOURCE =
      """
      package conformance.runtime;

      import java.io.IOException;
      import java.net.InetAddress;
      import java.net.Socket;
      import java.util.concurrent.atomic.AtomicInteger;
      import javax.net.SocketFactory;

      public class CountingSocketFactory extends SocketFactory {
        public static final AtomicInteger CREATED = new AtomicInteger();
        public static final AtomicInteger SOCKETS = new AtomicInteger();

        public CountingSocketFactory() {
          CREATED.incrementAndGet();
        }

        @Override
        public Socket createSocket() {
          SOCKETS.incrementAndGet();
          return new Socket();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
          SOCKETS.incrementAndGet();
          return new Socket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress local, int localPort)
            throws IOException {
          SOCKETS.incrementAndGet();
          return new Socket(host, port, local, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
          SOCKETS.incrementAndGet();
          return new Socket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort)
            throws IOException {
          SOCKETS.incrementAndGet();
          return new Socket(host, port, local, localPort);
        }
      }
      """;

  private static URLClassLoader loader;

  private ContextOnlySocketFactory() {}

  /** The class loader that sees the factory; its parent is the test's own class loader. */
  static synchronized ClassLoader loader() {
    if (loader == null) {
      try {
        Path dir = Files.createTempDirectory("conformance-socket-factory");
        dir.toFile().deleteOnExit();
        Path source = dir.resolve("CountingSocketFactory.java");
        Files.writeString(source, SOURCE);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK with javac runs the tests").isNotNull();
        int rc = javac.run(null, null, null, "-d", dir.toString(), source.toString());
        assertThat(rc).as("javac of the socket factory").isZero();
        // deleted in the reverse order of registration: files first, then their directories
        Path pkg = dir.resolve("conformance");
        pkg.toFile().deleteOnExit();
        pkg.resolve("runtime").toFile().deleteOnExit();
        pkg.resolve("runtime/CountingSocketFactory.class").toFile().deleteOnExit();
        source.toFile().deleteOnExit();
        loader =
            new URLClassLoader(
                new URL[] {dir.toUri().toURL()}, ContextOnlySocketFactory.class.getClassLoader());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return loader;
  }

  /** How many factories were made so far. */
  static int created() throws ReflectiveOperationException {
    return counter("CREATED");
  }

  /** How many sockets the factories made so far. */
  static int sockets() throws ReflectiveOperationException {
    return counter("SOCKETS");
  }

  private static int counter(String field) throws ReflectiveOperationException {
    Object value = loader().loadClass(NAME).getField(field).get(null);
    return ((AtomicInteger) value).get();
  }
}
