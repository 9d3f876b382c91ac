//! The simulated tenant's users: a deterministic generator and a CSV loader.
//!
//! Users are kept sorted by ID in one `Vec`, so `ID_Sort=asc` paging is a slice and a lookup by
//! ID is a binary search; strings are boxed to keep a 1,000,000-user tenant well under 1 GB.

mod load;

use std::collections::HashMap;

use crate::rng::Rng;

/// One Workfront USER as the simulator stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The GUID, rendered as 32 lowercase hex characters.
    pub id: u128,
    pub first_name: Box<str>,
    pub last_name: Box<str>,
    pub username: Box<str>,
    pub email: Box<str>,
    pub is_active: bool,
    /// A System Administrator (`isAdmin`, read-only through the API).
    pub is_admin: bool,
    /// `F` Standard, `C` Light, `R` Contributor, `X` External.
    pub license_type: char,
    /// Days before the tenant's reference date of the last login; `None` if never.
    pub last_login_days_ago: Option<u16>,
    /// Tasks, issues and projects this user holds (for `TASK`/`OPTASK`/`PROJ` counts).
    pub work: Work,
    /// `scheduledDeactivationDate` as the client wrote it, and the moment it names (seconds
    /// since the epoch); the simulator deactivates the user when its clock passes it.
    pub scheduled: Option<(Box<str>, i64)>,
    /// `homeGroupID`: what a caller who is not a System Administrator can see is its own home
    /// group's users.
    pub home_group: u32,
    /// `accessLevelID`; cleared when the user is deactivated, so reactivating needs one again.
    pub access_level: Option<u128>,
    /// `entryDate`: days before today the user was created (never after their last login).
    pub created_days_ago: u16,
}

/// The work a user holds, by status, as the audit's counts see it: tasks assigned (open `INP`,
/// done `CPL`), issues assigned (open `INP`, closed `CLS`), projects owned (current `CUR`, done
/// `CPL`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    pub open_tasks: u16,
    pub done_tasks: u16,
    pub open_issues: u16,
    pub closed_issues: u16,
    pub open_projects: u16,
    pub done_projects: u16,
}

impl Work {
    /// Deterministic work for a generated user, from its ID (so adding this left every other
    /// generated field unchanged). About half the active users hold open tasks, a fifth open
    /// issues and one in twelve owns a current project; inactive users hold little.
    pub fn generate(id: u128, active: bool) -> Work {
        let mut rng = crate::rng::Rng::new(crate::rng::mix((id as u64) ^ ((id >> 64) as u64)));
        let mut some =
            |p: f64, most: u64| if rng.chance(p) { 1 + rng.below(most) as u16 } else { 0 };
        let scale = if active { 1.0 } else { 0.1 };
        Work {
            open_tasks: some(0.5 * scale, 12),
            done_tasks: some(0.7, 40),
            open_issues: some(0.2 * scale, 5),
            closed_issues: some(0.3, 10),
            open_projects: some(0.08 * scale, 3),
            done_projects: some(0.1, 4),
        }
    }
}

/// The access level a licence type and role come with (IDs are 32 hex characters, as Workfront's).
pub fn access_level_for(license_type: char, is_admin: bool) -> u128 {
    let code: u128 = match (is_admin, license_type) {
        (true, _) => 0xa000,
        (false, 'F') => 0xa001,
        (false, 'C') => 0xa002,
        (false, 'X') => 0xa004,
        (false, _) => 0xa003,
    };
    0x00ac_ce55_0000_0000_0000_0000_0000_0000 | code
}

/// The technical account's username for a client ID, as Adobe names them.
pub fn technical_account_username(client_id: &str) -> String {
    format!("{}@techacct.adobe.com", client_id.to_ascii_lowercase())
}

/// The home group of a user: six groups, spread by ID.
pub fn home_group_of(id: u128) -> u32 {
    (crate::rng::mix(id as u64) % 6) as u32 + 1
}

impl User {
    /// The ID as Workfront writes it.
    pub fn id_hex(&self) -> String {
        format!("{:032x}", self.id)
    }

    /// `firstName lastName`, as Workfront's `name` field.
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// All users plus the two accounts Workfront treats specially.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Sorted by `id`, unique.
    pub users: Vec<User>,
    /// The Admin Email user (Setup > Customer Info): Workfront refuses to deactivate it.
    pub admin_email_user: Option<u128>,
    /// The user who owns the API key; `$$USER.ID` resolves to it.
    pub api_user: u128,
}

/// Why a tenant could not be built or loaded.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error("a generated tenant needs at least 4 users (got {0})")]
    TooSmall(usize),
    #[error("{path}: {source}")]
    Csv { path: String, source: csv::Error },
    #[error("{path}: line {line}: {message}")]
    Row { path: String, line: u64, message: String },
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

const DOMAIN: &str = "acme.example";
const FIRST: &[&str] = &[
    "Ada", "Alan", "Amara", "Anders", "Aiko", "Beatriz", "Bilal", "Camille", "Carlos", "Chen",
    "Chiara", "Dmitri", "Elena", "Emeka", "Farah", "Felix", "Grace", "Hana", "Hugo", "Ines",
    "Ivan", "Jamal", "Jana", "Jonas", "Keiko", "Kofi", "Lars", "Leila", "Lucia", "Marco", "Maria",
    "Mei", "Nadia", "Nikolai", "Noah", "Olga", "Omar", "Paula", "Pedro", "Priya", "Rafael", "Rosa",
    "Sami", "Sofia", "Tariq", "Thea", "Tomas", "Uma", "Viktor", "Wei", "Yara", "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Abbott", "Akhtar", "Alvarez", "Andersen", "Baker", "Bauer", "Brown", "Castillo", "Chen",
    "Costa", "Dubois", "Eriksson", "Fischer", "Garcia", "Gonzalez", "Haddad", "Hansen", "Ito",
    "Jansen", "Kaur", "Kim", "Kowalski", "Kumar", "Larsen", "Lee", "Lopez", "Martin", "Meyer",
    "Moreau", "Muller", "Nakamura", "Novak", "Okafor", "Olsen", "Park", "Patel", "Petrov", "Quinn",
    "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Sato", "Smith", "Tanaka", "Toure", "Wagner",
    "Walker", "Wang", "Weber", "Wilson", "Yilmaz", "Zhang",
];

impl Tenant {
    /// A realistic tenant of `n` users, identical for the same `(n, seed)`.
    ///
    /// User 0 is the Admin Email user, user 1 the API user; users 2 and 3 share one email
    /// address. About 8% are inactive, 0.2% (at least three) are System Administrators, and
    /// usernames mostly equal the email but sometimes differ in case or entirely.
    pub fn generate(n: usize, seed: u64) -> Result<Tenant, TenantError> {
        if n < 4 {
            return Err(TenantError::TooSmall(n));
        }
        let mut rng = Rng::new(seed);
        let mut taken: HashMap<String, u32> = HashMap::new();
        let mut users = Vec::with_capacity(n);
        for i in 0..n {
            let (first, last) = if i == 1 {
                ("Workfront", "Integration")
            } else {
                (*rng.pick(FIRST), *rng.pick(LAST))
            };
            let base = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
            let seen = taken.entry(base.clone()).or_insert(0);
            *seen += 1;
            let local = if *seen == 1 { base } else { format!("{base}{seen}") };
            let email = format!("{local}@{DOMAIN}");
            let (username, email) = match rng.below(100) {
                _ if i < 2 => (email.clone(), email),
                // The username keeps the person's capitals; the email is lower case.
                0..=6 => (capitalise(&local, first, last), email),
                // The email was typed with capitals; the username is lower case.
                7..=11 => (email.clone(), capitalise(&local, first, last)),
                // A legacy login unrelated to the email.
                12..=16 => (format!("{}{}{}", &local[..1], last.to_lowercase(), i), email),
                // A username left over from a former domain.
                17..=19 => (format!("{local}@oldco.example"), email),
                _ => (email.clone(), email),
            };
            let license_type = match rng.below(100) {
                0..=14 => 'F',
                15..=39 => 'C',
                40..=94 => 'R',
                _ => 'X',
            };
            users.push(User {
                id: (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64()),
                first_name: first.into(),
                last_name: last.into(),
                username: username.into(),
                email: email.into(),
                is_active: i < 2 || !rng.chance(0.08),
                is_admin: i < 2 || rng.chance(0.002),
                license_type,
                last_login_days_ago: (!rng.chance(0.05)).then(|| rng.below(400) as u16),
                work: Work::default(),
                scheduled: None,
                home_group: 0,
                access_level: None,
                created_days_ago: 0,
            });
        }
        // Users 2 and 3: two people sharing one mailbox (a team address), which is legal.
        users[3].email = users[2].email.clone();
        // At least three System Administrators besides the two special accounts.
        for user in users.iter_mut().skip(4).take(3) {
            user.is_admin = true;
            user.is_active = true;
        }
        for user in users.iter_mut().filter(|u| u.is_admin) {
            user.license_type = 'F';
        }
        for user in &mut users {
            user.work = Work::generate(user.id, user.is_active);
        }
        let (admin_email_user, api_user) = (users[0].id, users[1].id);
        Tenant::from_users(users, Some(admin_email_user), api_user)
            .map_err(|message| TenantError::File { path: "generated tenant".into(), message })
    }

    /// Adds the IMS credential's technical account: a Contributor (or an administrator), active,
    /// in a home group of its own. Returns its ID.
    pub fn add_technical_account(&mut self, username: &str, admin: bool) -> u128 {
        let id = u128::from(crate::rng::mix(username.len() as u64 ^ 0x7ec4)) << 64 | 0x7ec4_acc7;
        let license_type = if admin { 'F' } else { 'R' };
        let user = User {
            id,
            first_name: "Technical".into(),
            last_name: "Account".into(),
            username: username.into(),
            email: username.into(),
            is_active: true,
            is_admin: admin,
            license_type,
            last_login_days_ago: Some(0),
            work: Work::default(),
            scheduled: None,
            home_group: 99,
            access_level: Some(access_level_for(license_type, admin)),
            created_days_ago: 1,
        };
        let at = self.users.partition_point(|u| u.id < id);
        self.users.insert(at, user);
        id
    }

    /// Sorts by ID and checks the invariants every tenant must hold.
    fn from_users(
        mut users: Vec<User>,
        admin_email_user: Option<u128>,
        api_user: u128,
    ) -> Result<Tenant, String> {
        for user in &mut users {
            user.home_group = home_group_of(user.id);
            user.access_level = Some(access_level_for(user.license_type, user.is_admin));
            // Created some time before the last login (derived from the ID, so seeded tenants
            // keep every other property).
            let spread = (crate::rng::mix(user.id as u64 ^ 0xc4ea7e) % 2_500) as u16;
            user.created_days_ago =
                user.last_login_days_ago.unwrap_or(0).saturating_add(spread + 1);
        }
        users.sort_unstable_by_key(|u| u.id);
        if let Some(pair) = users.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(format!("duplicate user ID {}", pair[0].id_hex()));
        }
        let tenant = Tenant { users, admin_email_user, api_user };
        if tenant.index_of(api_user).is_none() {
            return Err("no user has role api_user".into());
        }
        Ok(tenant)
    }

    /// The position of a user in `users`, by binary search.
    pub fn index_of(&self, id: u128) -> Option<usize> {
        self.users.binary_search_by_key(&id, |u| u.id).ok()
    }
}

/// Parses a Workfront GUID (32 hex characters, any case).
pub fn parse_id(text: &str) -> Option<u128> {
    (text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u128::from_str_radix(text, 16).ok())
        .flatten()
}

fn capitalise(local: &str, first: &str, last: &str) -> String {
    let suffix = &local[first.len() + 1 + last.len()..];
    format!("{first}.{last}{suffix}@{}", DOMAIN.to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_has_every_kind_of_user() {
        let a = Tenant::generate(2_000, 9).unwrap();
        let b = Tenant::generate(2_000, 9).unwrap();
        assert_eq!(a.users, b.users);
        assert_ne!(a.users, Tenant::generate(2_000, 10).unwrap().users);
        assert!(a.users.windows(2).all(|w| w[0].id < w[1].id));
        let count = |f: &dyn Fn(&User) -> bool| a.users.iter().filter(|u| f(u)).count();
        assert!(count(&|u| !u.is_active) > 80, "some users are inactive");
        assert!(count(&|u| u.is_admin) >= 5, "several System Administrators");
        assert!(count(&|u| *u.username != *u.email) > 100, "usernames sometimes differ");
        assert!(count(&|u| u.username.chars().any(|c| c.is_uppercase())) > 50, "mixed case");
        let mut emails: HashMap<&str, usize> = HashMap::new();
        a.users.iter().for_each(|u| *emails.entry(&u.email).or_default() += 1);
        assert!(emails.values().any(|&n| n == 2), "two users share one email");
        let mut names: Vec<String> = a.users.iter().map(|u| u.username.to_lowercase()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), a.users.len(), "usernames are unique, ignoring case");
        let admin_email = a.index_of(a.admin_email_user.unwrap()).unwrap();
        assert!(a.users[admin_email].is_active);
        assert!(a.users[a.index_of(a.api_user).unwrap()].is_admin);
        for l in ['F', 'C', 'R', 'X'] {
            assert!(count(&|u| u.license_type == l) > 0, "licence {l}");
        }
    }

    #[test]
    fn tiny_tenants_are_refused() {
        assert!(matches!(Tenant::generate(3, 1), Err(TenantError::TooSmall(3))));
    }

    #[test]
    fn ids_parse_in_any_case() {
        assert_eq!(parse_id("0000000000000000000000000000000A"), Some(10));
        assert_eq!(parse_id("xyz"), None);
        assert_eq!(parse_id("g0000000000000000000000000000000"), None);
    }
}
