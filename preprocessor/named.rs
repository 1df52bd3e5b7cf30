//! `named_enum!`: an enum whose every variant has one name an author or the script writes, so
//! that the list of names, the parser and the writer cannot disagree.

/// `named_enum! { /// doc \n pub enum Name { Variant = "name", … } }` defines the enum with
/// `ALL`, `NAMES`, `name()` and `parse()`.
macro_rules! named_enum {
    ($(#[$meta:meta])* pub enum $enum:ident { $($(#[$vmeta:meta])* $variant:ident = $name:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $enum { $($(#[$vmeta])* $variant,)* }

        impl $enum {
            pub const ALL: &[$enum] = &[$($enum::$variant,)*];
            pub const NAMES: &[&str] = &[$($name,)*];

            /// The name as written.
            pub fn name(self) -> &'static str {
                match self { $($enum::$variant => $name,)* }
            }

            /// The variant of a written name.
            pub fn parse(name: &str) -> Option<$enum> {
                match name { $($name => Some($enum::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
