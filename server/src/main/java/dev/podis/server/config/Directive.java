package dev.podis.server.config;

import java.util.List;

/**
 * One configuration statement from any layer: a line of a config file, an environment variable,
 * or a {@code --name value...} group of the command line; {@code where} and {@code text} say
 * where it came from, for error messages.
 */
public final class Directive {
    final String name;
    final List<String> args;
    final String where;
    final String text;

    public Directive(String name, List<String> args, String where, String text) {
        this.name = name;
        this.args = List.copyOf(args);
        this.where = where;
        this.text = text;
    }

    public String name() {
        return name;
    }

    public List<String> args() {
        return args;
    }

    public String where() {
        return where;
    }

    @Override
    public String toString() {
        return text;
    }
}
