import {
  Content,
  Header,
  Page,
  ProxiedSignInPage,
} from '@backstage/core-components';
import { configApiRef, IdentityApi, useApi } from '@backstage/core-plugin-api';
import { SignInPageProps } from '@backstage/plugin-app-react';
import Button from '@material-ui/core/Button';
import Card from '@material-ui/core/Card';
import CardContent from '@material-ui/core/CardContent';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';

/** Browser storage key of the chosen demo user (kept across reloads). */
export const DEMO_USER_STORAGE_KEY = 'chorus.demoUser';
const DEMO_USER_HEADER = 'x-chorus-demo-user';

interface DemoUser {
  name: string;
  tier: string;
}

// Signing out forgets the chosen user, so the picker shows again.
function forgetOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    signOut: async () => {
      localStorage.removeItem(DEMO_USER_STORAGE_KEY);
      await identity.signOut();
    },
  };
}

/**
 * Development sign-in: pick any demo user and act as them, so every
 * workforce tier's view can be tried. Lists `app.demoSignIn.users`; the
 * backend's demo provider refuses it in production.
 */
export function DemoSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const users: DemoUser[] = (
    config.getOptionalConfigArray('app.demoSignIn.users') ?? []
  ).map(c => ({ name: c.getString('name'), tier: c.getString('tier') }));
  const [chosen, setChosen] = useState<string | null>(() =>
    localStorage.getItem(DEMO_USER_STORAGE_KEY),
  );

  if (chosen) {
    return (
      <ProxiedSignInPage
        provider="demo"
        headers={{ [DEMO_USER_HEADER]: chosen }}
        onSignInSuccess={identity =>
          props.onSignInSuccess(forgetOnSignOut(identity))
        }
        ErrorComponent={({ error }) => (
          <Page themeId="home">
            <Header title="Chorus" subtitle="Demo sign-in failed" />
            <Content>
              <Typography paragraph>
                Could not sign in as {chosen}: {error?.message}
              </Typography>
              <Button
                variant="contained"
                onClick={() => {
                  localStorage.removeItem(DEMO_USER_STORAGE_KEY);
                  setChosen(null);
                }}
              >
                Choose another user
              </Button>
            </Content>
          </Page>
        )}
      />
    );
  }

  const tiers = [...new Set(users.map(u => u.tier))];
  return (
    <Page themeId="home">
      <Header title="Chorus" subtitle="Sign in as a demo user" />
      <Content>
        {users.length === 0 ? (
          <Typography>
            Demo sign-in is not configured. Configure a sign-in provider for
            this portal.
          </Typography>
        ) : (
          <Grid container spacing={3}>
            {tiers.map(tier => (
              <Grid item xs={12} md={3} key={tier}>
                <Card>
                  <CardContent>
                    <Typography variant="h6" component="h2">
                      {tier}
                    </Typography>
                    {users
                      .filter(u => u.tier === tier)
                      .map(u => (
                        <Button
                          key={u.name}
                          fullWidth
                          onClick={() => {
                            localStorage.setItem(DEMO_USER_STORAGE_KEY, u.name);
                            setChosen(u.name);
                          }}
                        >
                          {u.name}
                        </Button>
                      ))}
                  </CardContent>
                </Card>
              </Grid>
            ))}
          </Grid>
        )}
      </Content>
    </Page>
  );
}
