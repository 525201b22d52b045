package dev.s3loader.loader.format.parquet;

import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Assembles each record into plain values: a primitive as Integer, Long, Boolean, Float, Double
 * or {@link Binary}; a group as an {@code Object[]} of its fields; a repeated field as a
 * {@code List} of its values (null when it has none). What the values mean (a date, a decimal, a
 * list, a map) is left to {@link ParquetValues}, which reads the schema beside them.
 */
final class RowConverter extends RecordMaterializer<Object[]> {
    private final Group root;

    RowConverter(MessageType schema) {
        root = new Group(schema, null);
    }

    @Override
    public Object[] getCurrentRecord() {
        return root.current;
    }

    @Override
    public GroupConverter getRootConverter() {
        return root;
    }

    /** Where a converted value goes: a field of the enclosing group's current value. */
    private record Slot(Group parent, int field, boolean repeated) {
        @SuppressWarnings("unchecked")
        void put(Object v) {
            Object[] into = parent.current;
            if (repeated) {
                if (into[field] == null) {
                    into[field] = new ArrayList<>();
                }
                ((List<Object>) into[field]).add(v);
            } else {
                into[field] = v;
            }
        }
    }

    private static Slot slot(Group parent, GroupType type, int i) {
        return new Slot(parent, i, type.getType(i).isRepetition(Type.Repetition.REPEATED));
    }

    private static final class Group extends GroupConverter {
        private final Converter[] children;
        private final Slot slot;
        private final int width;
        Object[] current;

        Group(GroupType type, Slot slot) {
            this.slot = slot;
            this.width = type.getFieldCount();
            this.children = new Converter[width];
            for (int i = 0; i < width; i++) {
                Type t = type.getType(i);
                children[i] = t.isPrimitive() ? new Primitive(slot(this, type, i)) : new Group(t.asGroupType(), slot(this, type, i));
            }
            if (slot == null) {
                current = new Object[width];
            }
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return children[fieldIndex];
        }

        @Override
        public void start() {
            current = new Object[width];
        }

        @Override
        public void end() {
            if (slot != null) {
                slot.put(current);
            }
        }
    }

    private static final class Primitive extends PrimitiveConverter {
        private final Slot slot;

        Primitive(Slot slot) {
            this.slot = slot;
        }

        @Override
        public void addBinary(Binary value) {
            slot.put(value.copy());
        }

        @Override
        public void addBoolean(boolean value) {
            slot.put(value);
        }

        @Override
        public void addDouble(double value) {
            slot.put(value);
        }

        @Override
        public void addFloat(float value) {
            slot.put(value);
        }

        @Override
        public void addInt(int value) {
            slot.put(value);
        }

        @Override
        public void addLong(long value) {
            slot.put(value);
        }
    }
}
