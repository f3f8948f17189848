/// The sample `shop` database used by `quickstart`: foreign keys, sequences, a view, jsonb,
/// bytea, arrays, NULLs and non-ASCII text, so a round trip exercises the awkward types.
enum SampleData {
    static func sql(rows: Int) -> String {
        """
        CREATE TABLE customers (
            id serial PRIMARY KEY,
            name text NOT NULL,
            email text UNIQUE,
            city text,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE products (
            id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            sku text NOT NULL UNIQUE,
            title text NOT NULL,
            tags text[] NOT NULL DEFAULT '{}',
            attributes jsonb,
            thumbnail bytea,
            price numeric(10,2) NOT NULL
        );
        CREATE TABLE orders (
            id bigserial PRIMARY KEY,
            customer_id integer NOT NULL REFERENCES customers(id),
            product_id integer NOT NULL REFERENCES products(id),
            quantity integer NOT NULL CHECK (quantity > 0),
            note text,
            ordered_at timestamptz NOT NULL
        );
        CREATE INDEX orders_by_customer ON orders (customer_id);
        CREATE VIEW order_totals AS
            SELECT c.name, count(o.id) AS orders, sum(o.quantity * p.price) AS total
            FROM customers c JOIN orders o ON o.customer_id = c.id JOIN products p ON p.id = o.product_id
            GROUP BY c.name;
        INSERT INTO customers (name, email, city)
            SELECT (ARRAY['Zoë','Jürgen','Ελένη','Дмитрий','李雷','Siobhán','O''Brien'])[1 + i % 7] || ' ' || i,
                   CASE WHEN i % 10 = 0 THEN NULL ELSE 'c' || i || '@example.com' END,
                   (ARRAY['Zürich','København','Αθήνα','東京', NULL])[1 + i % 5]
            FROM generate_series(1, \(max(10, rows / 10))) AS i;
        INSERT INTO products (sku, title, tags, attributes, thumbnail, price)
            SELECT 'SKU-' || i, 'Product «' || i || '»',
                   ARRAY['tag' || (i % 5), 'line' || (i % 3)],
                   CASE WHEN i % 4 = 0 THEN NULL ELSE jsonb_build_object('weight', i * 1.5, 'colors', jsonb_build_array('red', 'blue'), 'note', E'tab\\there') END,
                   decode(md5(i::text), 'hex'),
                   (i % 100) + 0.99
            FROM generate_series(1, 200) AS i;
        INSERT INTO orders (customer_id, product_id, quantity, note, ordered_at)
            SELECT 1 + i % \(max(10, rows / 10)), 1 + i % 200, 1 + i % 5,
                   CASE WHEN i % 3 = 0 THEN NULL ELSE E'line one\\nline two ' || md5(i::text) END,
                   timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute'
            FROM generate_series(1, \(rows)) AS i;
        ANALYZE;
        """
    }
}
