package dev.podis.server.diff;

import java.util.Arrays;
import java.util.List;

/**
 * One complete reply as it came off the wire: its exact bytes, plus the tree of RESP elements
 * it consists of (used only for the loose comparisons; the strict comparison is on the bytes).
 */
final class Reply {
    /** One RESP element: its type byte, its children (aggregates), and for an attribute the element it annotates. */
    record Node(char type, List<Node> children, Node annotated) {
        /** The type and aggregate sizes of this element and all below it, without scalar contents. */
        String shape() {
            StringBuilder sb = new StringBuilder();
            appendShape(sb);
            return sb.toString();
        }

        private void appendShape(StringBuilder sb) {
            sb.append(type);
            if (!children.isEmpty() || isAggregate(type)) {
                // the count as on the wire: pairs for maps and attributes
                sb.append(type == '%' || type == '|' ? children.size() / 2 : children.size()).append('[');
                for (Node n : children) {
                    n.appendShape(sb);
                    sb.append(' ');
                }
                sb.append(']');
            }
            if (annotated != null) {
                sb.append(" -> ");
                annotated.appendShape(sb);
            }
        }
    }

    private final byte[] bytes;
    private final Node root;

    Reply(byte[] bytes, Node root) {
        this.bytes = bytes;
        this.root = root;
    }

    byte[] bytes() {
        return bytes;
    }

    Node root() {
        return root;
    }

    /** The RESP type of the reply itself (for an attributed reply, of the annotated value). */
    char type() {
        return root.annotated() != null ? root.annotated().type() : root.type();
    }

    boolean isError() {
        char t = type();
        return t == '-' || t == '!';
    }

    boolean sameBytes(Reply other) {
        return Arrays.equals(bytes, other.bytes);
    }

    static boolean isAggregate(char type) {
        return type == '*' || type == '%' || type == '~' || type == '>' || type == '|';
    }

    @Override
    public String toString() {
        return Escapes.readable(bytes);
    }
}
